using System.Net;
using LogService.Replication.Transport;

namespace LogService.Replication.Tcp;

/// <summary>
/// The clients of one process: a consecutive range of client ids that share one authenticated connection per
/// replica. Each id gets its own <see cref="ITcpTransport"/>; frames carry the client id they belong to.
/// </summary>
internal sealed class ClientTcpGroup : IConnectionOwner
{
    private readonly TcpTransportOptions _options;
    private readonly LocalIdentity _identity;
    private readonly Dictionary<int, (Link Link, TcpPeer Peer)> _replicas;
    private readonly IMessageConsumer?[] _consumers;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _dialers = [];
    private readonly object _gate = new();
    private int _started;
    private int _open;
    private long _dropped;

    public ClientTcpGroup(TcpTransportOptions options)
    {
        _options = options;
        _identity = new LocalIdentity(options.Self, options.SelfIdCount, options.PrivateKey);
        _replicas = options.Peers
            .Where(p => NodeIds.IsReplica(p.Id) && p.EndPoint is not null)
            .ToDictionary(p => p.Id, p => (new Link(p.Id, options.MaxQueuedBytes), p));
        _consumers = new IMessageConsumer?[options.SelfIdCount];
        _open = options.SelfIdCount;
        Endpoints = Enumerable.Range(options.Self, options.SelfIdCount).Select(id => (ITcpTransport)new Endpoint(this, id)).ToArray();
    }

    public IReadOnlyList<ITcpTransport> Endpoints { get; }

    public bool Deliver(Principal peer, int node, ReadOnlySpan<byte> payload)
    {
        var index = (long)node - _options.Self;
        if (index < 0 || index >= _consumers.Length)
        {
            return false;
        }

        // A reply for a client not started (or already disposed) is dropped like a lost packet.
        Volatile.Read(ref _consumers[index])?.OnMessage(peer.FirstId, payload);
        return true;
    }

    public void Fault(int peer, PeerFault fault, string detail)
    {
        foreach (var consumer in _consumers)
        {
            consumer?.OnPeerFault(peer, fault, detail);
        }
    }

    private void Start(int id, IMessageConsumer consumer)
    {
        Volatile.Write(ref _consumers[id - _options.Self], consumer);
        lock (_gate)
        {
            if (_started++ > 0)
            {
                return;
            }

            foreach (var (link, peer) in _replicas.Values)
            {
                _dialers.Add(Dialer.RunAsync(link, peer.EndPoint!, peer.PublicKey, _identity, _options, this, _stopping.Token));
            }
        }
    }

    private bool TrySend(int from, int to, ReadOnlySpan<byte> message)
    {
        if (message.Length <= _options.MaxMessageBytes && _replicas.TryGetValue(to, out var replica))
        {
            return replica.Link.Outbox.TryEnqueue(from, message);
        }

        Interlocked.Increment(ref _dropped);
        return false;
    }

    private long Dropped => Interlocked.Read(ref _dropped) + _replicas.Values.Sum(r => r.Link.Outbox.Dropped);

    /// <summary>Closes the shared connections once every endpoint is disposed.</summary>
    private async ValueTask ReleaseAsync(int id)
    {
        Volatile.Write(ref _consumers[id - _options.Self], null);
        if (Interlocked.Decrement(ref _open) > 0)
        {
            return;
        }

        _stopping.Cancel();
        await Task.WhenAll(_dialers).ConfigureAwait(false);
        foreach (var (link, _) in _replicas.Values)
        {
            await (link.Current?.Completion ?? Task.CompletedTask).ConfigureAwait(false);
            link.Dispose();
        }

        _identity.Dispose();
        _stopping.Dispose();
    }

    private sealed class Endpoint(ClientTcpGroup group, int id) : ITcpTransport
    {
        private int _disposed;

        public int Self => id;

        public long DroppedMessages => group.Dropped;

        public IPEndPoint? LocalEndPoint => null;

        public Task StartAsync(IMessageConsumer consumer, CancellationToken cancellationToken)
        {
            group.Start(id, consumer);
            return Task.CompletedTask;
        }

        public bool TrySend(int to, ReadOnlySpan<byte> message) => group.TrySend(id, to, message);

        public ValueTask DisposeAsync() =>
            Interlocked.Exchange(ref _disposed, 1) == 0 ? group.ReleaseAsync(id) : ValueTask.CompletedTask;
    }
}
