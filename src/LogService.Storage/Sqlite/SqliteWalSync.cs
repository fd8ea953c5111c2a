using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LogService.Storage.Sqlite;

/// <summary>
/// How sync=full reaches durability: the writer runs with <c>PRAGMA synchronous = NORMAL</c> and the store calls
/// <c>fdatasync</c> on the write-ahead log after commits, before any of them is reported durable (on its own thread,
/// a <see cref="Sql.GroupFlushThread"/>, one flush covering every commit made before it started).
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
/// <para>
/// Why a flush that started after a commit was registered means the commit is on stable storage:
/// </para>
/// <list type="number">
/// <item>The writer registers a commit only after SQLite returned from it, i.e. after every <c>pwrite</c> of its
/// frames (the commit frame last) returned. The flush thread reads the highest registered commit before it calls
/// <c>fdatasync</c>, and <c>fdatasync</c> flushes all data written to the file before the call, so it covers that
/// commit and every earlier one. Tasks complete in commit order, so what is acknowledged is always a prefix of the
/// commits, which is also what WAL recovery keeps: it replays frames only up to the first one whose salts or running
/// checksum do not match.</item>
/// <item>Frames written after the sync started (the next batch, committed meanwhile) may or may not be flushed by it;
/// nothing vouches for them until a later sync that started after their commit.</item>
/// <item>The log starting over. Once a checkpoint has copied every frame into the database file, the next commit
/// rewrites the WAL from its first frame under new salts. The checkpointer (<see cref="SqliteCheckpointer"/>) syncs
/// the WAL before copying frames and the database file before it records them as copied (its connection's
/// <c>synchronous</c> setting), and SQLite restarts the log only after that record covers every frame. So a commit
/// whose frames are overwritten before the flush thread synced them is already durable in the database file; the
/// overwriting commit syncs the new WAL header itself (synchronous=NORMAL still does) and is covered by a later sync.
/// A crash in between leaves either the old log with its valid prefix or the new header with the frames that reached
/// the disk; the old generation's stale frames carry the old salts and are ignored.</item>
/// <item>The database file never holds pages of a commit whose frames could still be lost: the checkpoint's own sync
/// of the WAL precedes its first write to the database file, whether or not the flush thread has synced those frames.</item>
/// <item>The WAL keeps its file and inode while the writer connection is open (<see cref="SqliteWalSync"/>); the flush
/// thread stops, after a last sync of whatever is registered, before the store closes that connection.</item>
/// </list>
/// <para>
/// A failed <c>fdatasync</c> is final: Linux may drop the dirty pages it could not write and clear the error, so a
/// retry could succeed without the data ever reaching the disk. The flush thread fails every pending and later task
/// and reports the failure once, which faults the store; the replica then restarts from what is really on disk.
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
