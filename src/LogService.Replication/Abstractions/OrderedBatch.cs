namespace LogService.Replication.Abstractions;

/// <summary>One client command inside a decided batch.</summary>
/// <param name="ClientId">The authenticated id of the client that sent it.</param>
/// <param name="Sequence">The client's request sequence number; the engine passes each (client, sequence) at most once.</param>
/// <param name="Payload">The opaque command bytes.</param>
public readonly record struct OrderedCommand(int ClientId, long Sequence, ReadOnlyMemory<byte> Payload);

/// <summary>A decided batch of commands, identical on every correct replica.</summary>
public sealed class OrderedBatch
{
    /// <summary>Creates a batch.</summary>
    public OrderedBatch(long instance, long timestamp, long nonce, IReadOnlyList<OrderedCommand> commands)
    {
        Instance = instance;
        Timestamp = timestamp;
        Nonce = nonce;
        Commands = commands;
    }

    /// <summary>The consensus instance (1, 2, 3, ...) that decided this batch.</summary>
    public long Instance { get; }

    /// <summary>
    /// Milliseconds since the Unix epoch, chosen by the leader and checked by the others: strictly increasing across
    /// instances and within the configured clock-skew bound of correct replicas' clocks. Use it instead of a local clock.
    /// </summary>
    public long Timestamp { get; }

    /// <summary>A leader-chosen random value, identical on every replica, for deterministic randomness.</summary>
    public long Nonce { get; }

    /// <summary>The commands in execution order; may be empty.</summary>
    public IReadOnlyList<OrderedCommand> Commands { get; }
}
