using System.Net;
using LogService.Replication.Transport;

namespace LogService.Replication.Tcp;

/// <summary>
/// Configuration of one TCP transport: who this node is, its private key, and every peer it may talk to.
/// The same peer list can be given to every node; a node ignores its own entry except for its listen endpoint.
/// </summary>
public sealed class TcpTransportOptions
{
    /// <summary>This node's id (a replica id, or the first client id of a client group). No default: required.</summary>
    public int Self { get; set; }

    /// <summary>
    /// How many consecutive client ids, starting at <see cref="Self"/>, a client group speaks for over one
    /// authenticated connection per replica. Default 1. Ignored for replicas.
    /// </summary>
    public int SelfIdCount { get; set; } = 1;

    /// <summary>This node's ECDSA P-256 private key in PKCS#8 form. No default: required.</summary>
    public byte[] PrivateKey { get; set; } = [];

    /// <summary>Replicas (with endpoints) and known clients (without), each with its public key. Default empty.</summary>
    public IList<TcpPeer> Peers { get; init; } = [];

    /// <summary>Where a replica listens. Default null: the endpoint of this node's own entry in <see cref="Peers"/>.</summary>
    public IPEndPoint? ListenEndPoint { get; set; }

    /// <summary>
    /// Whether a replica accepts clients whose keys are not configured. Each accepted client id is then bound to the
    /// key that first claimed it for as long as that client has a connection. Default false.
    /// </summary>
    public bool AcceptAnyClient { get; set; }

    /// <summary>The largest number of client ids one unconfigured client connection may claim. Default 4,096.</summary>
    public int MaxClientIdsPerConnection { get; set; } = 4096;

    /// <summary>The largest message a frame may carry, in bytes. Default 16 MiB.</summary>
    public int MaxMessageBytes { get; set; } = 16 << 20;

    /// <summary>
    /// Bytes that may wait in one link's outbound queue; beyond it <see cref="ITransport.TrySend"/> returns false.
    /// Default 32 MiB. Must be at least <see cref="MaxMessageBytes"/> plus the frame overhead.
    /// </summary>
    public int MaxQueuedBytes { get; set; } = 32 << 20;

    /// <summary>The first delay before reconnecting a dropped link; it doubles up to <see cref="ReconnectMaxDelay"/>. Default 50 ms.</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest delay between reconnection attempts. Default 2 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a connection attempt plus handshake may take. Default 5 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Throws <see cref="ArgumentException"/> when the options cannot work.</summary>
    internal void Validate()
    {
        if (PrivateKey.Length == 0)
        {
            throw new ArgumentException("a private key is required", nameof(PrivateKey));
        }

        if (SelfIdCount < 1 || MaxClientIdsPerConnection < 1)
        {
            throw new ArgumentException("id counts must be positive");
        }

        if (MaxMessageBytes < 1 || MaxQueuedBytes < MaxMessageBytes + Frame.Overhead)
        {
            throw new ArgumentException("MaxQueuedBytes must hold at least one frame of MaxMessageBytes");
        }

        if (ReconnectMinDelay <= TimeSpan.Zero || ReconnectMaxDelay < ReconnectMinDelay || HandshakeTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("delays must be positive and ReconnectMaxDelay at least ReconnectMinDelay");
        }

        foreach (var group in Peers.GroupBy(p => p.Id))
        {
            if (group.Count() > 1)
            {
                throw new ArgumentException($"peer {group.Key} is configured twice", nameof(Peers));
            }
        }
    }
}

/// <summary>One peer: its id, where it listens (replicas) and its public key.</summary>
/// <param name="Id">The peer's id; for a client entry, the first of <see cref="IdCount"/> consecutive ids.</param>
/// <param name="EndPoint">Where a replica listens; null for clients.</param>
/// <param name="PublicKey">The peer's ECDSA P-256 public key as SubjectPublicKeyInfo.</param>
public sealed record TcpPeer(int Id, IPEndPoint? EndPoint, byte[] PublicKey)
{
    /// <summary>How many consecutive client ids this key may speak for. Default 1; always 1 for replicas.</summary>
    public int IdCount { get; init; } = 1;
}
