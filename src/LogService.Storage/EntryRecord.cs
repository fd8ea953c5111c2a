namespace LogService.Storage;

/// <summary>
/// One sealed entry as stored: the clear header fields that queries filter on, and the encoded sealed entry,
/// which the store keeps as opaque bytes.
/// </summary>
/// <param name="Tenant">The tenant that owns the stream.</param>
/// <param name="StreamId">The stream, <c>tenant/name</c>.</param>
/// <param name="Sequence">The entry's sequence number within its stream.</param>
/// <param name="TimestampMicros">The consensus timestamp, Unix microseconds.</param>
/// <param name="Level">Serilog level: Verbose = 0 … Fatal = 5.</param>
/// <param name="SourceCloud">The cloud the writer belongs to.</param>
/// <param name="SourceNode">The node the entry came from.</param>
/// <param name="SourceUser">The user or component identity that wrote it.</param>
/// <param name="EventType">The writer's event type.</param>
/// <param name="PermissionMask">W: a reader with mask M may see the entry when <c>(W &amp; M) != 0</c>.</param>
/// <param name="Kind">The entry kind (ordinary, rotation, seal, …) as the sealing core numbers it.</param>
/// <param name="SealedEntry">The encoded sealed entry.</param>
public sealed record EntryRecord(
    string Tenant,
    string StreamId,
    long Sequence,
    long TimestampMicros,
    byte Level,
    string SourceCloud,
    string SourceNode,
    string SourceUser,
    string EventType,
    ulong PermissionMask,
    byte Kind,
    byte[] SealedEntry);
