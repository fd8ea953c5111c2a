namespace LogService.Replication;

/// <summary>One replica's reply to an invocation, as counted towards its quorum.</summary>
/// <param name="Replica">The replica that sent it (its id is authenticated by the transport).</param>
/// <param name="Payload">The reply exactly as that replica sent it, including any per-replica part.</param>
public readonly record struct ReplicaReply(int Replica, byte[] Payload);
