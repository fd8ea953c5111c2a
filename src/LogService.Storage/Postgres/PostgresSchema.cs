using LogService.Storage.Sql;
using Npgsql;

namespace LogService.Storage.Postgres;

/// <summary>
/// The PostgreSQL schema, versioned in code through the one-row table <c>schema_version</c>; migration i brings the
/// database from version i to i+1 under an advisory lock, so two replicas' processes never migrate at once.
/// </summary>
internal static class PostgresSchema
{
    private const long MigrationLockKey = 0x4C6F675376_01;

    private static readonly string[] Migrations =
    [
        // Version 1: the same tables as the SQLite engine. PostgreSQL indexes do not carry the row id implicitly,
        // so the page order (ts, id) is spelled out in the time indexes.
        """
        CREATE TABLE entries (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            stream TEXT NOT NULL,
            seq BIGINT NOT NULL,
            tenant TEXT NOT NULL,
            ts BIGINT NOT NULL,
            level SMALLINT NOT NULL,
            source_cloud TEXT NOT NULL,
            source_node TEXT NOT NULL,
            source_user TEXT NOT NULL,
            event_type TEXT NOT NULL,
            w_mask BIGINT NOT NULL,
            kind SMALLINT NOT NULL,
            sealed BYTEA NOT NULL);
        CREATE UNIQUE INDEX entries_by_stream ON entries (stream, seq);
        CREATE INDEX entries_by_time ON entries (ts, id);
        CREATE INDEX entries_by_node_time ON entries (source_node, ts, id);
        CREATE TABLE stream_heads (
            stream TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            last_seq BIGINT NOT NULL,
            y_head BYTEA NOT NULL,
            merkle_state BYTEA NOT NULL,
            sealer_state BYTEA NOT NULL,
            retention_max_age_us BIGINT,
            retention_max_count BIGINT);
        CREATE TABLE replica_state (id INTEGER PRIMARY KEY CHECK (id = 1), applied_instance BIGINT NOT NULL);
        INSERT INTO replica_state (id, applied_instance) VALUES (1, -1);
        CREATE TABLE certified_heads (
            stream TEXT NOT NULL,
            seq BIGINT NOT NULL,
            y_head BYTEA NOT NULL,
            merkle_root BYTEA NOT NULL,
            instance BIGINT NOT NULL,
            signatures BYTEA NOT NULL,
            PRIMARY KEY (stream, seq));
        CREATE TABLE tombstones (
            stream TEXT NOT NULL,
            first_seq BIGINT NOT NULL,
            last_seq BIGINT NOT NULL,
            removed_count BIGINT NOT NULL,
            y_head BYTEA NOT NULL,
            merkle_root BYTEA NOT NULL,
            last_removed_ts BIGINT NOT NULL,
            applied_at BIGINT NOT NULL,
            policy TEXT NOT NULL,
            PRIMARY KEY (stream, first_seq));
        """,

        // Version 2, as in the SQLite engine: entries store integer ids into 'names' instead of their strings, so the
        // indexes compare integers rather than collated text. Dropping the text columns drops their indexes.
        """
        CREATE TABLE names (id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name TEXT NOT NULL UNIQUE);
        INSERT INTO names (name)
            SELECT stream FROM entries UNION SELECT tenant FROM entries UNION SELECT source_cloud FROM entries
            UNION SELECT source_node FROM entries UNION SELECT source_user FROM entries UNION SELECT event_type FROM entries;
        ALTER TABLE entries ADD COLUMN stream_id INTEGER, ADD COLUMN tenant_id INTEGER, ADD COLUMN source_cloud_id INTEGER,
            ADD COLUMN source_node_id INTEGER, ADD COLUMN source_user_id INTEGER, ADD COLUMN event_type_id INTEGER;
        UPDATE entries e SET stream_id = s.id, tenant_id = t.id, source_cloud_id = c.id, source_node_id = n.id,
                source_user_id = u.id, event_type_id = v.id
            FROM names s, names t, names c, names n, names u, names v
            WHERE s.name = e.stream AND t.name = e.tenant AND c.name = e.source_cloud
                AND n.name = e.source_node AND u.name = e.source_user AND v.name = e.event_type;
        ALTER TABLE entries
            ALTER COLUMN stream_id SET NOT NULL, ALTER COLUMN tenant_id SET NOT NULL, ALTER COLUMN source_cloud_id SET NOT NULL,
            ALTER COLUMN source_node_id SET NOT NULL, ALTER COLUMN source_user_id SET NOT NULL, ALTER COLUMN event_type_id SET NOT NULL,
            DROP COLUMN stream, DROP COLUMN tenant, DROP COLUMN source_cloud, DROP COLUMN source_node, DROP COLUMN source_user,
            DROP COLUMN event_type;
        CREATE UNIQUE INDEX entries_by_stream ON entries (stream_id, seq);
        CREATE INDEX entries_by_node_time ON entries (source_node_id, ts, id);
        """ + SqlCommands.EntryRowsView,

        // Version 3, as in the SQLite engine: one stream's entries in a time window, in page order.
        """
        CREATE INDEX entries_by_stream_time ON entries (stream_id, ts, id);
        """,

        // Version 4. A stream's time window is found along its (stream, sequence) index instead (StreamTimeline):
        // consensus time never goes back along a stream's sequence, and the store refuses writes that would make it.
        // One index fewer to maintain on every append; the answers and their order are the same.
        """
        DROP INDEX entries_by_stream_time;
        """,

        // Version 5. Row ids come from the identity sequence in blocks of 1,000 cached by the session, instead of a
        // locked, WAL-logged sequence update every 32 rows: it was 2% of the server's time per appended row. Only the
        // writer's one session inserts rows, so ids still grow in insertion order (DiscardUnanchoredEntries relies
        // on it); a reopened store continues after the block its last session took, leaving a gap, which is harmless:
        // ids only order rows and position cursors.
        """
        ALTER TABLE entries ALTER COLUMN id SET CACHE 1000;
        """,
    ];

    /// <summary>The schema version this code writes.</summary>
    public static int CurrentVersion => Migrations.Length;

    /// <summary>Refuses a database from newer code and migrates an older one.</summary>
    public static void Prepare(NpgsqlConnection connection, string location) => Prepare(connection, location, CurrentVersion);

    /// <summary>As <see cref="Prepare(NpgsqlConnection, string)"/>, migrating only up to <paramref name="targetVersion"/> (tests build old databases with it).</summary>
    internal static void Prepare(NpgsqlConnection connection, string location, int targetVersion)
    {
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLockKey})");
        Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        using var read = new NpgsqlCommand("SELECT version FROM schema_version", connection, transaction);
        var stored = read.ExecuteScalar();
        var version = stored is int number ? number : 0;
        if (stored is null)
        {
            Execute(connection, transaction, "INSERT INTO schema_version (version) VALUES (0)");
        }

        if (version > CurrentVersion)
        {
            throw new LogStoreException(StoreFailure.SchemaTooNew, location,
                $"the database has schema version {version} but this code knows versions up to {CurrentVersion}; it was written by a newer LogService and is left untouched");
        }

        for (var next = version; next < targetVersion; next++)
        {
            Execute(connection, transaction, Migrations[next]);
            Execute(connection, transaction, $"UPDATE schema_version SET version = {next + 1}");
        }

        transaction.Commit();
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }
}
