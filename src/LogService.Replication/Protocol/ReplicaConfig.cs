namespace LogService.Replication.Protocol;

/// <summary>The engine's validated, pre-computed view of the options, in milliseconds and counts.</summary>
internal sealed record ReplicaConfig
{
    public required int N { get; init; }

    public int F => (N - 1) / 3;

    /// <summary>Votes needed to decide: 2f+1 for n = 3f+1 (more generally ceil((n+f+1)/2)).</summary>
    public int Quorum => (N + F + 2) / 2;

    /// <summary>Votes that include at least one correct replica.</summary>
    public int Weak => F + 1;

    public required int Self { get; init; }

    public required IReadOnlyList<byte[]> PublicKeys { get; init; }

    public byte[]? SigningKey { get; init; }

    public int MaxBatchCount { get; init; } = 1024;

    public int MaxBatchBytes { get; init; } = 4 << 20;

    public long BatchDelayMs { get; init; }

    public int PipelineDepth { get; init; } = 4;

    public int MaxRequestBytes { get; init; } = 1 << 20;

    public long RequestTimeoutMs { get; init; } = 2000;

    public long LeaderChangeTimeoutMs { get; init; } = 4000;

    public int CheckpointPeriod { get; init; } = 256;

    public long MaxClockSkewMs { get; init; } = 30_000;

    /// <summary>Open instances an acceptor tracks beyond its last executed one.</summary>
    public int Window => PipelineDepth * 2;

    public int LeaderOf(int regency) => regency % N;
}
