namespace LogService.Replication.Protocol;

/// <summary>
/// What the deterministic protocol core needs from its runtime: a clock, randomness and a way to send. The real
/// runtime uses the wall clock and a transport; the simulator uses virtual time and a seeded network.
/// </summary>
internal interface IReplicaHost
{
    /// <summary>Milliseconds since the Unix epoch.</summary>
    long Now { get; }

    /// <summary>A random value for batch nonces.</summary>
    long NextNonce();

    /// <summary>Queues an encoded message; the runtime transmits it after the WAL is flushed.</summary>
    void Send(int to, ReadOnlySpan<byte> message);
}
