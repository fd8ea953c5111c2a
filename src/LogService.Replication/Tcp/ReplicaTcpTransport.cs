using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using LogService.Replication.Transport;

namespace LogService.Replication.Tcp;

/// <summary>A replica's TCP transport: listener, replica links, and the connections of currently connected clients.</summary>
internal sealed class ReplicaTcpTransport : ITcpTransport, IConnectionOwner
{
    private readonly TcpTransportOptions _options;
    private readonly LocalIdentity _identity;
    private readonly Dictionary<int, TcpPeer> _replicaPeers;
    private readonly Dictionary<int, Link> _replicaLinks = [];
    private readonly ConcurrentDictionary<int, ClientBinding> _clients = new();
    private readonly object _bindGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private readonly Loopback _loopback;
    private IMessageConsumer _consumer = NullConsumer.Instance;
    private Socket? _listener;
    private long _dropped;

    public ReplicaTcpTransport(TcpTransportOptions options)
    {
        _options = options;
        _identity = new LocalIdentity(options.Self, 1, options.PrivateKey);
        _replicaPeers = options.Peers.Where(p => NodeIds.IsReplica(p.Id)).ToDictionary(p => p.Id);
        foreach (var peer in _replicaPeers.Values.Where(p => p.Id != options.Self))
        {
            _replicaLinks[peer.Id] = new Link(peer.Id, options.MaxQueuedBytes);
        }

        _loopback = new Loopback(options.Self, options.MaxQueuedBytes);
    }

    public int Self => _options.Self;

    public long DroppedMessages =>
        Interlocked.Read(ref _dropped) + _replicaLinks.Values.Sum(l => l.Outbox.Dropped) + _loopback.Dropped
        + _clients.Values.Select(b => b.Link).Distinct().Sum(l => l.Outbox.Dropped);

    public IPEndPoint? LocalEndPoint => _listener?.LocalEndPoint as IPEndPoint;

    public Task StartAsync(IMessageConsumer consumer, CancellationToken cancellationToken)
    {
        _consumer = consumer;
        var listenAt = _options.ListenEndPoint
            ?? (_replicaPeers.TryGetValue(Self, out var me) ? me.EndPoint : null)
            ?? throw new InvalidOperationException($"replica {Self} has no listen endpoint");
        _listener = new Socket(listenAt.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(listenAt);
        _listener.Listen(512);
        _loops.Add(Task.Run(AcceptLoopAsync, CancellationToken.None));
        _loops.Add(_loopback.RunAsync(consumer));
        foreach (var (id, link) in _replicaLinks)
        {
            // One connection per replica pair: the lower id dials.
            if (id > Self && _replicaPeers[id].EndPoint is { } endPoint)
            {
                _loops.Add(Dialer.RunAsync(link, endPoint, _replicaPeers[id].PublicKey, _identity, _options, this, _stopping.Token));
            }
        }

        return Task.CompletedTask;
    }

    public bool TrySend(int to, ReadOnlySpan<byte> message)
    {
        if (message.Length <= _options.MaxMessageBytes)
        {
            if (to == Self)
            {
                return _loopback.Outbox.TryEnqueue(to, message);
            }

            if (NodeIds.IsReplica(to) ? _replicaLinks.TryGetValue(to, out var link) : TryGetClientLink(to, out link))
            {
                return link.Outbox.TryEnqueue(NodeIds.IsReplica(to) ? Self : to, message);
            }
        }

        Interlocked.Increment(ref _dropped);
        return false;
    }

    public bool Deliver(Principal peer, int node, ReadOnlySpan<byte> payload)
    {
        if (peer.IsReplica ? node != peer.FirstId : !peer.Contains(node))
        {
            return false;
        }

        _consumer.OnMessage(node, payload);
        return true;
    }

    public void Fault(int peer, PeerFault fault, string detail) => _consumer.OnPeerFault(peer, fault, detail);

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _listener?.Dispose();
        foreach (var link in _replicaLinks.Values)
        {
            link.Disconnect();
        }

        foreach (var binding in _clients.Values)
        {
            binding.Link.Disconnect();
        }

        _loopback.Outbox.Dispose();
        await Task.WhenAll(_loops).ConfigureAwait(false);
        foreach (var link in _replicaLinks.Values)
        {
            await (link.Current?.Completion ?? Task.CompletedTask).ConfigureAwait(false);
            link.Dispose();
        }

        _identity.Dispose();
        _stopping.Dispose();
    }

    private bool TryGetClientLink(int id, out Link link)
    {
        var found = _clients.TryGetValue(id, out var binding);
        link = binding?.Link!;
        return found;
    }

    private async Task AcceptLoopAsync()
    {
        var pending = new List<Task>();
        try
        {
            while (true)
            {
                var socket = await _listener!.AcceptAsync(_stopping.Token).ConfigureAwait(false);
                socket.NoDelay = true;
                pending.RemoveAll(t => t.IsCompleted);
                pending.Add(Task.Run(() => ServeAsync(socket)));
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Stopping.
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
    }

    /// <summary>Authenticates one inbound connection and serves it until it closes.</summary>
    private async Task ServeAsync(Socket socket)
    {
        Principal peer;
        byte[] peerKey;
        LinkKeys keys;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            timeout.CancelAfter(_options.HandshakeTimeout);
            using var stream = new NetworkStream(socket, ownsSocket: false);
            (peer, peerKey, keys) = await Handshake.AcceptAsync(stream, _identity, Authorize, timeout.Token).ConfigureAwait(false);
        }
        catch (HandshakeException ex)
        {
            socket.Dispose();
            Fault(ex.ClaimedId, PeerFault.HandshakeFailed, ex.Message);
            return;
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            socket.Dispose();
            return;
        }

        if (peer.IsReplica)
        {
            var link = _replicaLinks[peer.FirstId];
            var connection = new Connection(socket, peer, keys, link.Outbox, this, _options.MaxMessageBytes);
            await link.AttachAsync(connection).ConfigureAwait(false);
            await connection.Completion.ConfigureAwait(false);
        }
        else
        {
            await ServeClientAsync(socket, peer, peerKey, keys).ConfigureAwait(false);
        }
    }

    private async Task ServeClientAsync(Socket socket, Principal peer, byte[] peerKey, LinkKeys keys)
    {
        var link = new Link(peer.FirstId, _options.MaxQueuedBytes);
        var connection = new Connection(socket, peer, keys, link.Outbox, this, _options.MaxMessageBytes);
        var binding = new ClientBinding(link, peerKey);
        var replaced = new HashSet<Link>();
        lock (_bindGate)
        {
            // Checked again under the lock: another connection may have claimed an id since the handshake.
            for (var id = peer.FirstId; peer.Contains(id); id++)
            {
                if (_clients.TryGetValue(id, out var old) && !old.Key.AsSpan().SequenceEqual(peerKey))
                {
                    link.Dispose();
                    socket.Dispose();
                    Fault(peer.FirstId, PeerFault.HandshakeFailed, $"client id {id} is bound to another key");
                    return;
                }
            }

            for (var id = peer.FirstId; peer.Contains(id); id++)
            {
                if (_clients.TryGetValue(id, out var old))
                {
                    replaced.Add(old.Link);
                }

                _clients[id] = binding;
            }
        }

        // A client that reconnects supersedes its old connection.
        foreach (var old in replaced)
        {
            old.Disconnect();
        }

        await link.AttachAsync(connection).ConfigureAwait(false);
        await connection.Completion.ConfigureAwait(false);
        lock (_bindGate)
        {
            for (var id = peer.FirstId; peer.Contains(id); id++)
            {
                ((ICollection<KeyValuePair<int, ClientBinding>>)_clients).Remove(new(id, binding));
            }
        }

        link.Dispose();
    }

    /// <summary>Decides whether the claimed ids may use <paramref name="key"/>: returns null to accept, or the reason not to.</summary>
    private string? Authorize(Principal peer, byte[] key)
    {
        if (peer.IsReplica)
        {
            return peer.FirstId != Self && _replicaPeers.TryGetValue(peer.FirstId, out var replica) && key.AsSpan().SequenceEqual(replica.PublicKey)
                ? null
                : $"replica {peer.FirstId} presented a key that is not configured for it";
        }

        foreach (var client in _options.Peers)
        {
            if (!NodeIds.IsReplica(client.Id) && peer.FirstId >= client.Id && (long)peer.FirstId + peer.Count <= (long)client.Id + client.IdCount)
            {
                return key.AsSpan().SequenceEqual(client.PublicKey) ? null : $"client {peer.FirstId} presented a key that is not configured for it";
            }
        }

        if (!_options.AcceptAnyClient)
        {
            return $"client {peer.FirstId} is not configured";
        }

        if (peer.Count > _options.MaxClientIdsPerConnection || (long)peer.FirstId + peer.Count > int.MaxValue)
        {
            return $"client {peer.FirstId} claims too many ids ({peer.Count})";
        }

        lock (_bindGate)
        {
            for (var id = peer.FirstId; peer.Contains(id); id++)
            {
                if (_clients.TryGetValue(id, out var bound) && !bound.Key.AsSpan().SequenceEqual(key))
                {
                    return $"client id {id} is bound to another key";
                }
            }
        }

        return null;
    }

    private sealed record ClientBinding(Link Link, byte[] Key);
}
