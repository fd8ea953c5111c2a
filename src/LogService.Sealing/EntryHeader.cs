namespace LogService.Sealing;

/// <summary>
/// The clear header of a sealed entry: what storage indexes and queries on. Every field is covered by
/// the entry's hash link and is the associated data of its body's encryption, so none can be altered unseen.
/// </summary>
/// <param name="StreamId">The stream, e.g. <c>tenant/name</c>.</param>
/// <param name="Sequence">The entry's position j in its stream, starting at 0 with the open entry.</param>
/// <param name="ConsensusTimestamp">The consensus timestamp in Unix microseconds.</param>
/// <param name="Level">Serilog level: Verbose = 0 through Fatal = 5.</param>
/// <param name="Tenant">The tenant that owns the stream.</param>
/// <param name="SourceCloud">The cloud the entry came from.</param>
/// <param name="SourceNode">The node the entry came from.</param>
/// <param name="SourceUser">The user or component identity that wrote it.</param>
/// <param name="EventType">The event type, e.g. a message template id.</param>
/// <param name="PermissionMask">W_j: the reader classes that may read the body; a reader with mask M may read it when <c>(W_j &amp; M) != 0</c>.</param>
/// <param name="Kind">Open, data, seal (checkpoint), close or rotation.</param>
public sealed record EntryHeader(
    string StreamId,
    long Sequence,
    long ConsensusTimestamp,
    byte Level,
    string Tenant,
    string SourceCloud,
    string SourceNode,
    string SourceUser,
    string EventType,
    ulong PermissionMask,
    EntryKind Kind);
