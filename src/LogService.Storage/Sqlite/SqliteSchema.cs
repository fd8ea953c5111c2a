using LogService.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace LogService.Storage.Sqlite;

/// <summary>
/// The SQLite schema, versioned in code through <c>PRAGMA user_version</c>: migration i brings the file from version i
/// to i+1. A file whose version is newer than <see cref="CurrentVersion"/> was written by newer code and is refused.
/// </summary>
internal static class SqliteSchema
{
    private static readonly string[] Migrations =
    [
        // Version 1. Rows are appended in consensus order, so the implicit rowid doubles as the tie-breaker of the
        // (ts, id) page order. The indexes serve: reads by stream and sequence (and uniqueness of sequences); time-range
        // queries and histograms; and the console's main page (one source node, a time window, minimum level, newest
        // first). That index carries the level so rows below it are skipped inside the index, and only the ~100 rows
        // of the page are read from the table; only entries sharing a timestamp need sorting by rowid.
        """
        CREATE TABLE entries (
            id INTEGER PRIMARY KEY,
            stream TEXT NOT NULL,
            seq INTEGER NOT NULL,
            tenant TEXT NOT NULL,
            ts INTEGER NOT NULL,
            level INTEGER NOT NULL,
            source_cloud TEXT NOT NULL,
            source_node TEXT NOT NULL,
            source_user TEXT NOT NULL,
            event_type TEXT NOT NULL,
            w_mask INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            sealed BLOB NOT NULL);
        CREATE UNIQUE INDEX entries_by_stream ON entries (stream, seq);
        CREATE INDEX entries_by_time ON entries (ts);
        CREATE INDEX entries_by_node_time ON entries (source_node, ts, level);
        CREATE TABLE stream_heads (
            stream TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            last_seq INTEGER NOT NULL,
            y_head BLOB NOT NULL,
            merkle_state BLOB NOT NULL,
            sealer_state BLOB NOT NULL,
            retention_max_age_us INTEGER,
            retention_max_count INTEGER);
        CREATE TABLE replica_state (id INTEGER PRIMARY KEY CHECK (id = 1), applied_instance INTEGER NOT NULL);
        INSERT INTO replica_state (id, applied_instance) VALUES (1, -1);
        CREATE TABLE certified_heads (
            stream TEXT NOT NULL,
            seq INTEGER NOT NULL,
            y_head BLOB NOT NULL,
            merkle_root BLOB NOT NULL,
            instance INTEGER NOT NULL,
            signatures BLOB NOT NULL,
            PRIMARY KEY (stream, seq));
        CREATE TABLE tombstones (
            stream TEXT NOT NULL,
            first_seq INTEGER NOT NULL,
            last_seq INTEGER NOT NULL,
            removed_count INTEGER NOT NULL,
            y_head BLOB NOT NULL,
            merkle_root BLOB NOT NULL,
            last_removed_ts INTEGER NOT NULL,
            applied_at INTEGER NOT NULL,
            policy TEXT NOT NULL,
            PRIMARY KEY (stream, first_seq));
        """,

        // Version 2. Entries keep their stream, tenant, source and event-type strings once each in 'names' and store
        // integer ids: the indexes compare integers instead of text, which made them the most of an append's cost.
        // The rows keep their ids (so page cursors and the (ts, id) order stay valid); 'entry_rows' spells the names
        // out again for reads. Its LEFT JOINs keep 'entries' the outer loop of every plan, as the indexes expect.
        """
        CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
        INSERT INTO names (name)
            SELECT stream FROM entries UNION SELECT tenant FROM entries UNION SELECT source_cloud FROM entries
            UNION SELECT source_node FROM entries UNION SELECT source_user FROM entries UNION SELECT event_type FROM entries;
        CREATE TABLE entries_v2 (
            id INTEGER PRIMARY KEY,
            stream_id INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            tenant_id INTEGER NOT NULL,
            ts INTEGER NOT NULL,
            level INTEGER NOT NULL,
            source_cloud_id INTEGER NOT NULL,
            source_node_id INTEGER NOT NULL,
            source_user_id INTEGER NOT NULL,
            event_type_id INTEGER NOT NULL,
            w_mask INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            sealed BLOB NOT NULL);
        INSERT INTO entries_v2
            SELECT e.id, s.id, e.seq, t.id, e.ts, e.level, c.id, n.id, u.id, v.id, e.w_mask, e.kind, e.sealed
            FROM entries e
            JOIN names s ON s.name = e.stream JOIN names t ON t.name = e.tenant JOIN names c ON c.name = e.source_cloud
            JOIN names n ON n.name = e.source_node JOIN names u ON u.name = e.source_user JOIN names v ON v.name = e.event_type
            ORDER BY e.id;
        DROP TABLE entries;
        ALTER TABLE entries_v2 RENAME TO entries;
        CREATE UNIQUE INDEX entries_by_stream ON entries (stream_id, seq);
        CREATE INDEX entries_by_time ON entries (ts);
        CREATE INDEX entries_by_node_time ON entries (source_node_id, ts, level);
        """ + SqlCommands.EntryRowsView,

        // Version 3. One stream's entries in a time window, newest first (queries by stream, with or without level,
        // text or property filters): without this index the planner took (stream, seq) and sorted every entry of the
        // stream, seconds at millions of entries. Queries that name a source node keep the node index (EntryFilterSql).
        """
        CREATE INDEX entries_by_stream_time ON entries (stream_id, ts);
        """,

        // Version 4. A stream's time window is found along its (stream, sequence) index instead (StreamTimeline):
        // consensus time never goes back along a stream's sequence, and the store refuses writes that would make it.
        // One index fewer to maintain on every append; the answers and their order are the same.
        """
        DROP INDEX entries_by_stream_time;
        """,

        // Version 5. The time and (node, time, level) indexes cost an append 3.5 µs per entry, a third of its time;
        // batch-granularity summaries replace them (SqliteBlockSummaries), built here from the stored rows.
        SqliteBlockSummaries.Schema,
    ];

    /// <summary>The version whose migration also summarises the stored rows by block.</summary>
    private const int SummariesVersion = 5;

    /// <summary>The schema version this code writes.</summary>
    public static int CurrentVersion => Migrations.Length;

    /// <summary>
    /// Refuses a file from newer code, switches to WAL with the chosen sync policy, checks integrity and migrates.
    /// </summary>
    public static void Prepare(SqliteConnection writer, string path, SqliteStoreOptions options) =>
        Prepare(writer, path, options, CurrentVersion);

    /// <summary>As <see cref="Prepare(SqliteConnection, string, SqliteStoreOptions)"/>, migrating only up to <paramref name="targetVersion"/> (tests build old files with it).</summary>
    internal static void Prepare(SqliteConnection writer, string path, SqliteStoreOptions options, int targetVersion)
    {
        var version = Convert.ToInt32(Scalar(writer, "PRAGMA user_version"), System.Globalization.CultureInfo.InvariantCulture);
        if (version > CurrentVersion)
        {
            throw new LogStoreException(StoreFailure.SchemaTooNew, path,
                $"the database has schema version {version} but this code knows versions up to {CurrentVersion}; it was written by a newer LogService and is left untouched");
        }

        var journal = Convert.ToString(Scalar(writer, "PRAGMA journal_mode = WAL"), System.Globalization.CultureInfo.InvariantCulture);
        if (!string.Equals(journal, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new LogStoreException(StoreFailure.EngineError, path, $"SQLite refused WAL mode (journal mode is '{journal}')");
        }

        Execute(writer, options.Sync == SyncPolicy.Full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
        Execute(writer, $"PRAGMA cache_size = -{options.WriterCacheMiB * 1024}");
        Execute(writer, "PRAGMA temp_store = MEMORY");
        if (options.CheckIntegrityOnOpen && version > 0)
        {
            var verdict = Convert.ToString(Scalar(writer, "PRAGMA quick_check(1)"), System.Globalization.CultureInfo.InvariantCulture);
            if (verdict != "ok")
            {
                throw new LogStoreException(StoreFailure.Corrupted, path, $"the integrity check failed: {verdict}");
            }
        }

        for (var next = version; next < targetVersion; next++)
        {
            using var transaction = writer.BeginTransaction();
            Execute(writer, Migrations[next], transaction);
            if (next + 1 == SummariesVersion)
            {
                using var summaries = new SqliteBlockSummaries(writer);
                summaries.SummariseAll(transaction);
            }

            Execute(writer, $"PRAGMA user_version = {next + 1}", transaction);
            transaction.Commit();
        }
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }
}
