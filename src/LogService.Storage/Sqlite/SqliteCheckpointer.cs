using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace LogService.Storage.Sqlite;

/// <summary>
/// Copies the write-ahead log into the database file on its own connection and thread, so appends never wait for a
/// checkpoint. SQLite's automatic checkpoint runs inside the commit that crosses its threshold: that append then copies
/// every page written since the last one and fsyncs the database file before returning. A passive checkpoint on another
/// connection does the same work beside the writer and never blocks it; the WAL starts over from its beginning at the
/// first write after a checkpoint caught up. Commits are as durable either way: each is synced in the WAL first
/// (<see cref="SqliteWalSync"/>).
/// </summary>
internal sealed class SqliteCheckpointer : IDisposable
{
    /// <summary>About SQLite's default automatic threshold of 1,000 pages of 4 KiB.</summary>
    private const long BytesBetweenCheckpoints = 4 << 20;

    private readonly SqliteConnection _connection;
    private readonly Thread _thread;
    private readonly AutoResetEvent _due = new(false);
    private long _pendingBytes;
    private volatile bool _stopping;
    private volatile SqliteException? _failure;

    public SqliteCheckpointer(string path, SyncPolicy sync)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        _connection.Open();
        using (var command = _connection.CreateCommand())
        {
            // The checkpointing connection's setting decides whether the checkpoint fsyncs the database file.
            command.CommandText = sync == SyncPolicy.Full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL";
            command.ExecuteNonQuery();
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite checkpoint" };
        _thread.Start();
    }

    /// <summary>Tells the checkpointer a commit wrote about <paramref name="bytes"/> to the WAL; wakes it once enough piled up.</summary>
    public void Committed(long bytes)
    {
        _pendingBytes += bytes;
        if (_pendingBytes >= BytesBetweenCheckpoints)
        {
            _pendingBytes = 0;
            _due.Set();
        }
    }

    /// <summary>Rethrows a checkpoint failure (a full disk, a damaged file) on the writer, which faults the store.</summary>
    public void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw failure;
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _due.Set();
        _thread.Join();
        _due.Dispose();
        _connection.Dispose();
    }

    private void Run()
    {
        while (true)
        {
            _due.WaitOne();
            if (_stopping)
            {
                return;
            }

            var result = raw.sqlite3_wal_checkpoint_v2(_connection.Handle, "main", raw.SQLITE_CHECKPOINT_PASSIVE, out _, out _);
            if (result is not (raw.SQLITE_OK or raw.SQLITE_BUSY))
            {
                var handle = _connection.Handle;
                _failure = new SqliteException(
                    $"SQLite Error {result}: '{raw.sqlite3_errmsg(handle).utf8_to_string()}' while checkpointing the write-ahead log.",
                    result, raw.sqlite3_extended_errcode(handle));
                return;
            }
        }
    }
}
