using LogService.Storage.Sql;
using Npgsql;

namespace LogService.Storage.Postgres;

/// <summary>
/// Makes sync=full commits durable beside the writer, so the writer can commit the next batch while the server
/// flushes the last one's WAL (group commit). The writer commits with <c>synchronous_commit = off</c>: the server
/// returns once the commit record is in its WAL buffers. A <see cref="GroupFlushThread"/> then runs, on a connection of its own with
/// <c>synchronous_commit = on</c>, a transaction that writes one small WAL record; its commit returns only after the
/// server flushed the WAL up to its own commit record. <see cref="Register"/> hands out a task per commit that
/// completes only after such a flush returned.
/// <para>
/// Why a completed task means the commit is on stable storage:
/// </para>
/// <list type="number">
/// <item>The writer registers a commit only after the server answered its COMMIT, so its commit record was already
/// in the WAL. The thread reads the highest registered commit before it starts its transaction, whose records the
/// server appends after that commit record. The WAL is one sequence flushed in order: a flush up to the thread's
/// commit record covers every record before it, from any session, so it covers that commit and every earlier one.
/// After a server crash, recovery replays the WAL up to the end of what was flushed, so what survives is always a
/// prefix of the commits, which is what the tasks, completing in commit order, have acknowledged.</item>
/// <item>Commits registered after the thread read its target may or may not be covered by that flush; nothing
/// vouches for them until a later flush that started after them.</item>
/// <item>The transaction gets a transaction id and writes WAL (a transactional logical-decoding message, which any
/// user may emit, with any <c>wal_level</c>, and which nothing reads unless a logical replication slot asks for
/// it), which is what makes PostgreSQL wait for the flush at commit under <c>synchronous_commit = on</c>; with
/// synchronous standbys configured, it waits for them as a synchronous commit of the writer would.</item>
/// </list>
/// <para>
/// A failed flush is final, as a failed synchronous commit would be: the thread fails every pending and later task
/// and reports the failure once, which faults the store; the replica then restarts from what is really stored.
/// </para>
/// </summary>
internal sealed class PostgresWalFlusher : IDisposable
{
    private const string Flush = "SELECT pg_logical_emit_message(true, 'logservice-flush', '')";

    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlCommand _flush;
    private readonly GroupFlushThread _thread;

    private PostgresWalFlusher(NpgsqlConnection connection, Func<Exception, Exception> onFailure)
    {
        _connection = connection;
        _flush = new NpgsqlCommand(Flush, connection);
        _thread = new GroupFlushThread("PostgreSQL WAL flush", () => _flush.ExecuteNonQuery(), onFailure);
    }

    /// <summary>Opens the flusher's own connection and starts its thread.</summary>
    /// <param name="dataSource">The store's server and database.</param>
    /// <param name="onFailure">Called once, on the flusher's thread, when a flush failed (the server's error, a
    /// broken connection); returns the exception every pending and later task fails with.</param>
    public static PostgresWalFlusher Start(NpgsqlDataSource dataSource, Func<Exception, Exception> onFailure)
    {
        var connection = dataSource.OpenConnection();
        try
        {
            // Said outright: a database or role default of 'off' would turn the flush into a no-op.
            using var synchronous = new NpgsqlCommand("SET synchronous_commit = on", connection);
            synchronous.ExecuteNonQuery();
            // One flush now, so a role that may not run it (a hardened server revoking the function) fails the open
            // with the server's reason rather than the first append.
            using var first = new NpgsqlCommand(Flush, connection);
            first.ExecuteNonQuery();
            return new PostgresWalFlusher(connection, onFailure);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Registers a commit the server has answered; the task completes once a flush that started after this call
    /// returned, and fails if the WAL could not be flushed.
    /// </summary>
    public Task Register() => _thread.Register();

    /// <summary>Flushes whatever is registered, then stops the thread and closes its connection.</summary>
    public void Dispose()
    {
        _thread.Dispose();
        _flush.Dispose();
        _connection.Dispose();
    }
}
