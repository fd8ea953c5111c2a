using LogService.Replication.Protocol;

namespace LogService.Replication;

/// <summary>Turns validated options into the engine's configuration.</summary>
internal static class ConfigFactory
{
    public static ReplicaConfig ForReplica(ReplicationOptions o, int self) => new()
    {
        N = o.ReplicaCount,
        Self = self,
        PublicKeys = o.ReplicaPublicKeys,
        SigningKey = o.SigningKey,
        MaxBatchCount = o.MaxBatchCount,
        MaxBatchBytes = o.MaxBatchBytes,
        BatchDelayMs = (long)o.BatchDelay.TotalMilliseconds,
        PipelineDepth = o.PipelineDepth,
        MaxRequestBytes = o.MaxRequestBytes,
        RequestTimeoutMs = (long)o.RequestTimeout.TotalMilliseconds,
        LeaderChangeTimeoutMs = (long)o.LeaderChangeTimeout.TotalMilliseconds,
        CheckpointPeriod = o.CheckpointPeriod,
        MaxClockSkewMs = (long)o.MaxClockSkew.TotalMilliseconds,
    };
}
