namespace LogService.Storage;

/// <summary>How hard a commit waits for the disk.</summary>
public enum SyncPolicy
{
    /// <summary>
    /// An acknowledged batch survives kill -9 and power loss: SQLite's WAL is synced after each commit, PostgreSQL's
    /// WAL is flushed past it by a synchronous commit (<c>synchronous_commit=on</c>) on a second connection, before
    /// the batch is reported durable.
    /// </summary>
    Full,

    /// <summary>
    /// An acknowledged batch survives kill -9 of the process but the last commits may be lost on power loss or an
    /// operating-system crash (SQLite <c>synchronous=NORMAL</c> in WAL mode; PostgreSQL <c>synchronous_commit=off</c>).
    /// The store stays consistent; the replica recovers the lost tail from its peers by state transfer.
    /// </summary>
    Normal,
}
