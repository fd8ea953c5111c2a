namespace LogService.Sealing;

/// <summary>
/// The header fields a writer supplies for one entry; the sealer adds the stream id, sequence and kind.
/// </summary>
/// <param name="ConsensusTimestamp">The consensus timestamp in Unix microseconds.</param>
/// <param name="Level">Serilog level: Verbose = 0 through Fatal = 5.</param>
/// <param name="Tenant">The tenant that owns the stream.</param>
/// <param name="SourceCloud">The cloud the entry came from.</param>
/// <param name="SourceNode">The node the entry came from.</param>
/// <param name="SourceUser">The user or component identity that wrote it.</param>
/// <param name="EventType">The event type.</param>
/// <param name="PermissionMask">W_j: the reader classes allowed to read the body. Control entries ignore it and use <see cref="PermissionMasks.Everyone"/>.</param>
public readonly record struct EntryMetadata(
    long ConsensusTimestamp,
    byte Level,
    string Tenant,
    string SourceCloud,
    string SourceNode,
    string SourceUser,
    string EventType,
    ulong PermissionMask);

/// <summary>Well-known permission masks.</summary>
public static class PermissionMasks
{
    /// <summary>Every reader class; used for open, seal, close and rotation entries so any released key set can read them.</summary>
    public const ulong Everyone = ulong.MaxValue;

    /// <summary>True when a reader holding <paramref name="readerMask"/> may read an entry sealed with <paramref name="entryMask"/>.</summary>
    public static bool MayRead(ulong entryMask, ulong readerMask) => (entryMask & readerMask) != 0;
}
