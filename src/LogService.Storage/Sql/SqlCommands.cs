using System.Data.Common;

namespace LogService.Storage.Sql;

/// <summary>Creates parameterised commands with the same SQL text on either engine (both accept <c>@name</c>).</summary>
internal static class SqlCommands
{
    /// <summary>
    /// The entry columns of the <c>entry_rows</c> view (entries with their names spelled out) in the order
    /// <see cref="ReadEntry"/> expects, preceded by the row id.
    /// </summary>
    public const string EntryColumns =
        "id, tenant, stream, seq, ts, level, source_cloud, source_node, source_user, event_type, w_mask, kind, sealed";

    /// <summary>The id of the stream named by the parameter <c>@stream</c>; NULL, which matches no row, if it was never stored.</summary>
    public static readonly string StreamIdParameter = NameIdOf("@stream");

    /// <summary>The id of the name bound to <paramref name="parameter"/>, as <see cref="StreamIdParameter"/> does for streams.</summary>
    public static string NameIdOf(string parameter) => $"(SELECT id FROM names WHERE name = {parameter})";

    /// <summary>The entries with their names: what every read selects from, in both engines.</summary>
    public const string EntryRowsView =
        """
        CREATE VIEW entry_rows AS
            SELECT e.id, t.name AS tenant, s.name AS stream, e.seq, e.ts, e.level, c.name AS source_cloud, n.name AS source_node,
                u.name AS source_user, v.name AS event_type, e.w_mask, e.kind, e.sealed,
                e.stream_id, e.tenant_id, e.source_cloud_id, e.source_node_id, e.source_user_id, e.event_type_id
            FROM entries e
            LEFT JOIN names s ON s.id = e.stream_id LEFT JOIN names t ON t.id = e.tenant_id LEFT JOIN names c ON c.id = e.source_cloud_id
            LEFT JOIN names n ON n.id = e.source_node_id LEFT JOIN names u ON u.id = e.source_user_id LEFT JOIN names v ON v.id = e.event_type_id;
        """;

    public static DbCommand Create(DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    public static void Add(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    public static void Set(this DbCommand command, string name, object? value) =>
        command.Parameters[name].Value = value ?? DBNull.Value;

    /// <summary>Reads a row selected with <see cref="EntryColumns"/>.</summary>
    public static EntryRecord ReadEntry(DbDataReader reader) => new(
        Tenant: reader.GetString(1),
        StreamId: reader.GetString(2),
        Sequence: reader.GetInt64(3),
        TimestampMicros: reader.GetInt64(4),
        Level: (byte)reader.GetInt32(5),
        SourceCloud: reader.GetString(6),
        SourceNode: reader.GetString(7),
        SourceUser: reader.GetString(8),
        EventType: reader.GetString(9),
        PermissionMask: unchecked((ulong)reader.GetInt64(10)),
        Kind: (byte)reader.GetInt32(11),
        SealedEntry: (byte[])reader.GetValue(12));

    public static StreamHead ReadHead(DbDataReader reader) => new(
        StreamId: reader.GetString(0),
        Tenant: reader.GetString(1),
        LastSequence: reader.GetInt64(2),
        YHead: (byte[])reader.GetValue(3),
        MerkleState: (byte[])reader.GetValue(4),
        SealerState: (byte[])reader.GetValue(5),
        Retention: new RetentionPolicy(
            reader.IsDBNull(6) ? null : reader.GetInt64(6),
            reader.IsDBNull(7) ? null : reader.GetInt64(7)));

    public const string HeadColumns =
        "stream, tenant, last_seq, y_head, merkle_state, sealer_state, retention_max_age_us, retention_max_count";

    public static CertifiedHead ReadCertifiedHead(DbDataReader reader) => new(
        StreamId: reader.GetString(0),
        Sequence: reader.GetInt64(1),
        YHead: (byte[])reader.GetValue(2),
        MerkleRoot: (byte[])reader.GetValue(3),
        Instance: reader.GetInt64(4),
        Signatures: (byte[])reader.GetValue(5));

    public const string CertifiedHeadColumns = "stream, seq, y_head, merkle_root, instance, signatures";

    public static RetentionTombstone ReadTombstone(DbDataReader reader) => new(
        StreamId: reader.GetString(0),
        FirstSequence: reader.GetInt64(1),
        LastSequence: reader.GetInt64(2),
        RemovedCount: reader.GetInt64(3),
        YHeadAtCut: (byte[])reader.GetValue(4),
        MerkleRootAtCut: (byte[])reader.GetValue(5),
        LastRemovedTimestampMicros: reader.GetInt64(6),
        AppliedAtMicros: reader.GetInt64(7),
        Policy: reader.GetString(8));

    public const string TombstoneColumns =
        "stream, first_seq, last_seq, removed_count, y_head, merkle_root, last_removed_ts, applied_at, policy";
}
