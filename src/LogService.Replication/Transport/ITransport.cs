namespace LogService.Replication.Transport;

/// <summary>
/// Moves opaque, already-encoded protocol messages between nodes (replicas and clients).
/// The protocol layer never sees sockets; tests run the same protocol over an in-memory network.
/// </summary>
/// <remarks>
/// Replicas have ids 0..n-1; clients have ids at or above <see cref="NodeIds.FirstClientId"/>.
/// A transport guarantees that the <c>from</c> it reports is authentic (per-link MAC over TCP,
/// the network's own bookkeeping in memory); it does not guarantee delivery, order or timeliness.
/// </remarks>
public interface ITransport : IAsyncDisposable
{
    /// <summary>This node's id.</summary>
    int Self { get; }

    /// <summary>Starts delivering inbound messages to <paramref name="consumer"/>.</summary>
    Task StartAsync(IMessageConsumer consumer, CancellationToken cancellationToken);

    /// <summary>
    /// Queues <paramref name="message"/> for <paramref name="to"/> and returns at once. Returns false when the
    /// peer is unknown or its outbound queue is full; the message is then dropped and counted, never blocking consensus.
    /// </summary>
    bool TrySend(int to, ReadOnlySpan<byte> message);
}

/// <summary>Receives inbound messages from a transport, one call per message.</summary>
public interface IMessageConsumer
{
    /// <summary>
    /// Handles one authenticated message. <paramref name="message"/> is valid only during the call.
    /// Called from transport threads; implementations hand work off rather than block.
    /// </summary>
    void OnMessage(int from, ReadOnlySpan<byte> message);

    /// <summary>
    /// Reports that a peer sent something the transport rejected (bad MAC, malformed frame, replayed frame),
    /// so the protocol can record misbehaviour evidence.
    /// </summary>
    void OnPeerFault(int from, PeerFault fault, string detail);
}

/// <summary>What a transport rejected from a peer.</summary>
public enum PeerFault
{
    /// <summary>The frame's MAC did not verify under the link key.</summary>
    BadMac,

    /// <summary>The frame could not be parsed (length, header, version).</summary>
    MalformedFrame,

    /// <summary>The frame's link sequence number was not the next expected one (replay or reorder on an authenticated link).</summary>
    Replay,

    /// <summary>The peer's handshake failed (unknown key, bad signature).</summary>
    HandshakeFailed,
}

/// <summary>Id conventions shared by every transport.</summary>
public static class NodeIds
{
    /// <summary>The smallest client id; ids below it are replicas.</summary>
    public const int FirstClientId = 1000;

    /// <summary>Whether <paramref name="id"/> names a replica.</summary>
    public static bool IsReplica(int id) => id is >= 0 and < FirstClientId;
}
