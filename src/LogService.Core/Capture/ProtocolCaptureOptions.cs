namespace LogService.Core.Capture;

/// <summary>How <see cref="ProtocolCapture"/> batches and bounds what it captures.</summary>
public sealed class ProtocolCaptureOptions
{
    /// <summary>Longest a captured event waits before its batch is submitted. Default: 1 second.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Entries per append command; a full batch is submitted at once. Default: 256.</summary>
    public int MaxEntriesPerBatch { get; init; } = 256;

    /// <summary>Entries held while submissions are slow; beyond it new entries are dropped and counted. Default: 4,096.</summary>
    public int MaxPendingEntries { get; init; } = 4096;

    /// <summary>Decided instances held while awaiting execution; the oldest is dropped (and counted) beyond it. Default: 1,024.</summary>
    public int MaxOpenInstances { get; init; } = 1024;

    /// <summary>Events buffered between the engine and the capture; the engine never blocks, it drops and counts. Default: 16,384.</summary>
    public int SubscriptionCapacity { get; init; } = 16_384;

    /// <summary>The permission mask W of captured entries (who may read their bodies). Default: every reader class.</summary>
    public ulong PermissionMask { get; init; } = Sealing.PermissionMasks.Everyone;

    /// <summary>The replication engine's public signing keys by replica id (SubjectPublicKeyInfo), copied into misbehaviour
    /// entries so their evidence can be checked from the entry with <see cref="MisbehaviourProof"/>. Default: none.</summary>
    public IReadOnlyList<byte[]> EngineKeys { get; init; } = [];
}
