using System.Net;
using System.Threading.Channels;
using LogService.Replication.Tcp;
using LogService.Replication.Transport;
using LogService.Testing;

namespace LogService.Replication.Tests.Tcp;

/// <summary>Keys and loopback endpoints for a few replicas and one client group, and the options to wire them.</summary>
internal sealed class TcpTestNetwork
{
    public const int ClientId = NodeIds.FirstClientId;

    public TcpTestNetwork(int replicas, int clientIds = 2)
    {
        Keys = Enumerable.Range(0, replicas).Select(_ => TcpNodeKey.Generate()).ToArray();
        EndPoints = Enumerable.Range(0, replicas).Select(_ => new IPEndPoint(IPAddress.Loopback, LoopbackPorts.Block(1))).ToArray();
        ClientKey = TcpNodeKey.Generate();
        ClientIds = clientIds;
    }

    public TcpNodeKey[] Keys { get; }

    public IPEndPoint[] EndPoints { get; }

    public TcpNodeKey ClientKey { get; }

    public int ClientIds { get; }

    /// <summary>The peer list every node is given: all replicas, plus the client group's key.</summary>
    public List<TcpPeer> Peers() =>
        [
            .. Keys.Select((k, i) => new TcpPeer(i, EndPoints[i], k.PublicKey)),
            new TcpPeer(ClientId, null, ClientKey.PublicKey) { IdCount = ClientIds },
        ];

    public TcpTransportOptions ReplicaOptions(int id, Action<List<TcpPeer>>? editPeers = null)
    {
        var peers = Peers();
        editPeers?.Invoke(peers);
        return new TcpTransportOptions
        {
            Self = id,
            PrivateKey = Keys[id].PrivateKey,
            Peers = peers,
            ReconnectMinDelay = TimeSpan.FromMilliseconds(20),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
        };
    }

    public TcpTransportOptions ClientOptions(TcpNodeKey? key = null, int? self = null) => new()
    {
        Self = self ?? ClientId,
        SelfIdCount = ClientIds,
        PrivateKey = (key ?? ClientKey).PrivateKey,
        Peers = Peers().Where(p => NodeIds.IsReplica(p.Id)).ToList(),
        ReconnectMinDelay = TimeSpan.FromMilliseconds(20),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
    };
}

/// <summary>Records what a transport delivers, for tests to wait on.</summary>
internal sealed class RecordingConsumer : IMessageConsumer
{
    /// <summary>Generous liveness bound: a test that waits this long has failed; it is not a timing assertion.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly Channel<(int From, byte[] Message)> _messages = Channel.CreateUnbounded<(int, byte[])>();
    private readonly Channel<(int From, PeerFault Fault, string Detail)> _faults = Channel.CreateUnbounded<(int, PeerFault, string)>();

    public void OnMessage(int from, ReadOnlySpan<byte> message) => _messages.Writer.TryWrite((from, message.ToArray()));

    public void OnPeerFault(int from, PeerFault fault, string detail) => _faults.Writer.TryWrite((from, fault, detail));

    public async Task<(int From, byte[] Message)> NextMessageAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await _messages.Reader.ReadAsync(timeout.Token);
    }

    public async Task<(int From, PeerFault Fault, string Detail)> NextFaultAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await _faults.Reader.ReadAsync(timeout.Token);
    }

    public bool TryTakeMessage(out (int From, byte[] Message) message) => _messages.Reader.TryRead(out message);

    public bool HasFaults => _faults.Reader.Count > 0;

    /// <summary>Sends <paramref name="message"/> until it arrives here (links may still be connecting), then returns it.</summary>
    public async Task<(int From, byte[] Message)> SendUntilReceivedAsync(ITransport sender, int to, byte[] message)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            sender.TrySend(to, message);
            try
            {
                using var poll = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
                poll.CancelAfter(TimeSpan.FromMilliseconds(100));
                return await _messages.Reader.ReadAsync(poll.Token);
            }
            catch (OperationCanceledException) when (!timeout.IsCancellationRequested)
            {
                // Not there yet: the link was still connecting and the message was queued or lost; send again.
            }
        }
    }
}
