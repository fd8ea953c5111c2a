using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LogService.Storage.Sqlite;

/// <summary>
/// How sync=full reaches durability: the writer runs with <c>PRAGMA synchronous = NORMAL</c> and the store calls
/// <c>fdatasync</c> on the write-ahead log after commits, before any of them is reported durable (on its own thread,
/// <see cref="SqliteSyncThread"/>, one flush covering every commit made before it started).
/// <para>
/// Why this is as durable as <c>synchronous = FULL</c>: in WAL mode the two settings differ only in the sync after
/// a commit's frames (NORMAL still syncs the WAL header when the log starts over, and the log before every
/// checkpoint copies it into the database file). A commit's frames are appended to the WAL with its commit record
/// last, and recovery replays a frame only if it and every frame before it carry the header's salts and a valid
/// running checksum; so once the WAL's data and size are on stable storage, the commit survives a kill -9 or a power
/// loss, and until then nothing was acknowledged. FULL gets there with <c>fsync</c>, which also writes the file's
/// timestamps to the file-system journal on every commit; <c>fdatasync</c> skips that, since recovery does not
/// need them (it still writes the size when the log grew). That saves about a millisecond per commit here.
/// </para>
/// <para>
/// The one difference: SQLite makes a commit visible to readers before this sync, so a query may see a batch a
/// few milliseconds before it is durable. A batch reaches the store only after consensus decided it, so what a
/// reader sees early exists on a quorum of replicas; no caller is told it is stored before the sync.
/// </para>
/// <para>
/// The WAL keeps its file (and inode) while the writer connection is open: SQLite deletes it only when the last
/// connection closes, and the checkpointer's passive checkpoints never truncate it.
/// </para>
/// </summary>
internal sealed class SqliteWalSync : IDisposable
{
    private readonly SafeFileHandle _wal;

    private SqliteWalSync(SafeFileHandle wal) => _wal = wal;

    /// <summary>
    /// Opens the database's write-ahead log. SQLite creates it at the first transaction on a WAL-mode database; if that
    /// has not happened yet, this creates it empty, which SQLite reads as a log with no frames.
    /// </summary>
    public static SqliteWalSync Open(string databasePath) =>
        new(File.OpenHandle(databasePath + "-wal", FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));

    /// <summary>Puts everything committed so far on stable storage; throws <see cref="IOException"/> when the disk refuses.</summary>
    public void Sync()
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(_wal);
            return;
        }

        if (FlushData(_wal) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException(
                $"fdatasync of the write-ahead log failed ({Marshal.GetPInvokeErrorMessage(errno)}, errno {errno}); the last write may not be durable, so it was not acknowledged");
        }
    }

    public void Dispose() => _wal.Dispose();

    // DllImport rather than LibraryImport: the latter's generated marshalling needs unsafe code enabled.
    [DllImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static extern int FlushData(SafeFileHandle file);
}
