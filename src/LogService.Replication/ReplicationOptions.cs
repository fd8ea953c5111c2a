namespace LogService.Replication;

/// <summary>
/// Configuration shared by replicas and proxies of one replica group. Every option has a default; call
/// <see cref="Validate"/> (the engine does at construction) to get a clear message for a bad value.
/// </summary>
public sealed class ReplicationOptions
{
    /// <summary>Number of replicas n (ids 0..n-1). At least 4, so that f = (n-1)/3 is at least 1. Default 4.</summary>
    public int ReplicaCount { get; init; } = 4;

    /// <summary>Byzantine faults tolerated: f = (n-1)/3.</summary>
    public int FaultsTolerated => (ReplicaCount - 1) / 3;

    /// <summary>Every replica's ECDSA P-256 public key (SubjectPublicKeyInfo), indexed by replica id. Required.</summary>
    public IReadOnlyList<byte[]> ReplicaPublicKeys { get; init; } = [];

    /// <summary>This replica's ECDSA P-256 private key (PKCS#8). Required for a replica, unused by a proxy.</summary>
    public byte[]? SigningKey { get; init; }

    /// <summary>Most commands per batch. Default 1024.</summary>
    public int MaxBatchCount { get; init; } = 1024;

    /// <summary>Most payload bytes per batch (a single larger command still forms a batch of one). Default 4 MiB.</summary>
    public int MaxBatchBytes { get; init; } = 4 << 20;

    /// <summary>
    /// How long the leader may hold requests to fill a batch. Default zero: propose at once whenever the pipeline
    /// has room; batches still grow under load because requests accumulate while instances are in flight.
    /// </summary>
    public TimeSpan BatchDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Consensus instances the leader runs concurrently. Default 4.</summary>
    public int PipelineDepth { get; init; } = 4;

    /// <summary>Largest accepted request payload. Default 1 MiB.</summary>
    public int MaxRequestBytes { get; init; } = 1 << 20;

    /// <summary>
    /// A request not ordered within this time is forwarded to the leader; after the same time again the replica
    /// asks for a leader change. Proxies retransmit at this interval. Default 2 s.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a leader change may take before the next one starts (doubled on each consecutive failure). Default 4 s.</summary>
    public TimeSpan LeaderChangeTimeout { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>A checkpoint (snapshot and state digest) is taken every this many instances. Default 256: checkpoints are cheap (a summary of the state), and the decided values since the last one stay in memory.</summary>
    public int CheckpointPeriod { get; init; } = 256;

    /// <summary>
    /// Directory for the consensus write-ahead log and checkpoint. Null keeps them in memory: the replica then does not
    /// survive a restart on its own and recovers by state transfer. Default null.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>Whether WAL writes are synced to disk (survives power loss) rather than only handed to the OS (survives a process kill). Default false.</summary>
    public bool SyncWrites { get; init; }

    /// <summary>
    /// Whether decided batches execute on a thread of their own, in order, while the protocol thread goes on ordering
    /// the next instances. Default false: each batch executes on the protocol thread as it is decided, which lets
    /// requests pile up into larger instances; on two cores shared by four replicas the background thread made the
    /// instances smaller and cost 40% more CPU per entry (docs/benchmarks.md, ingest).
    /// </summary>
    public bool ExecuteInBackground { get; init; }

    /// <summary>How far a leader's batch timestamp may be from a replica's clock. Default 30 s.</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    /// <param name="requireSigningKey">Whether a replica's own signing key must be present.</param>
    public void Validate(bool requireSigningKey = false)
    {
        if (ReplicaCount < 4 || ReplicaCount >= Transport.NodeIds.FirstClientId)
        {
            throw new ArgumentException($"ReplicaCount must be between 4 and {Transport.NodeIds.FirstClientId - 1} (n = 3f+1 with f >= 1); got {ReplicaCount}.");
        }

        if (ReplicaPublicKeys.Count != ReplicaCount)
        {
            throw new ArgumentException($"ReplicaPublicKeys must hold one key per replica ({ReplicaCount}); got {ReplicaPublicKeys.Count}.");
        }

        if (requireSigningKey && (SigningKey is null || SigningKey.Length == 0))
        {
            throw new ArgumentException("SigningKey is required for a replica.");
        }

        Positive(MaxBatchCount, nameof(MaxBatchCount));
        Positive(MaxBatchBytes, nameof(MaxBatchBytes));
        Positive(PipelineDepth, nameof(PipelineDepth));
        Positive(MaxRequestBytes, nameof(MaxRequestBytes));
        Positive(CheckpointPeriod, nameof(CheckpointPeriod));
        if (PipelineDepth > 64)
        {
            throw new ArgumentException($"PipelineDepth must be at most 64; got {PipelineDepth}.");
        }

        if (BatchDelay < TimeSpan.Zero)
        {
            throw new ArgumentException($"BatchDelay must not be negative; got {BatchDelay}.");
        }

        PositiveTime(RequestTimeout, nameof(RequestTimeout));
        PositiveTime(LeaderChangeTimeout, nameof(LeaderChangeTimeout));
        PositiveTime(MaxClockSkew, nameof(MaxClockSkew));
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentException($"{name} must be positive; got {value}.");
        }
    }

    private static void PositiveTime(TimeSpan value, string name)
    {
        if (value < TimeSpan.FromMilliseconds(1))
        {
            throw new ArgumentException($"{name} must be at least 1 ms; got {value}.");
        }
    }
}
