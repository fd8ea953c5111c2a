using System.Net;
using System.Text.Json;
using LogService.Replication.Tcp;
using LogService.Replication.Transport;
using LogService.Testing;

namespace LogService.Replication.TestHost;

/// <summary>
/// A test cluster in one JSON file: every replica's endpoint and key pair, one key pair for the client processes, and
/// the engine settings. Private keys sit in the file because it only ever describes a throw-away loopback cluster.
/// </summary>
internal sealed class ClusterConfig
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public List<NodeEntry> Replicas { get; set; } = [];

    public NodeEntry Clients { get; set; } = new();

    /// <summary>How many client ids (from <see cref="NodeIds.FirstClientId"/>) the client key may speak for.</summary>
    public int ClientIdCount { get; set; } = 4096;

    public int MaxBatchCount { get; set; } = 1024;

    public int PipelineDepth { get; set; } = 4;

    public int BatchDelayMs { get; set; }

    public int CheckpointPeriod { get; set; } = 1000;

    public int RequestTimeoutMs { get; set; } = 2000;

    public int LeaderChangeTimeoutMs { get; set; } = 4000;

    public bool SyncWrites { get; set; }

    /// <summary>A new cluster of <paramref name="replicas"/> on free loopback ports, with fresh keys.</summary>
    public static ClusterConfig Create(int replicas)
    {
        var config = new ClusterConfig { Clients = NodeEntry.Fresh(NodeIds.FirstClientId, null) };
        for (var id = 0; id < replicas; id++)
        {
            config.Replicas.Add(NodeEntry.Fresh(id, new IPEndPoint(IPAddress.Loopback, LoopbackPorts.Block(1)).ToString()));
        }

        return config;
    }

    public static ClusterConfig Load(string path) =>
        JsonSerializer.Deserialize<ClusterConfig>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty");

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    /// <summary>The transport options of replica <paramref name="id"/>.</summary>
    public TcpTransportOptions ReplicaTransport(int id) => new()
    {
        Self = id,
        PrivateKey = Convert.FromBase64String(Replicas[id].PrivateKey),
        Peers = Peers(),
    };

    /// <summary>The transport options of a client process speaking for <paramref name="count"/> ids from <paramref name="firstId"/>.</summary>
    public TcpTransportOptions ClientTransport(int firstId, int count) => new()
    {
        Self = firstId,
        SelfIdCount = count,
        PrivateKey = Convert.FromBase64String(Clients.PrivateKey),
        Peers = Peers().Where(p => NodeIds.IsReplica(p.Id)).ToList(),
    };

    /// <summary>The engine options; <paramref name="self"/> is null for proxies.</summary>
    public ReplicationOptions Replication(int? self, string? dataDirectory) => new()
    {
        ReplicaCount = Replicas.Count,
        ReplicaPublicKeys = Replicas.Select(r => Convert.FromBase64String(r.PublicKey)).ToArray(),
        SigningKey = self is { } id ? Convert.FromBase64String(Replicas[id].PrivateKey) : null,
        MaxBatchCount = MaxBatchCount,
        PipelineDepth = PipelineDepth,
        BatchDelay = TimeSpan.FromMilliseconds(BatchDelayMs),
        CheckpointPeriod = CheckpointPeriod,
        RequestTimeout = TimeSpan.FromMilliseconds(RequestTimeoutMs),
        LeaderChangeTimeout = TimeSpan.FromMilliseconds(LeaderChangeTimeoutMs),
        DataDirectory = dataDirectory,
        SyncWrites = SyncWrites,
    };

    private List<TcpPeer> Peers() =>
        [
            .. Replicas.Select(r => new TcpPeer(r.Id, IPEndPoint.Parse(r.EndPoint!), Convert.FromBase64String(r.PublicKey))),
            new TcpPeer(Clients.Id, null, Convert.FromBase64String(Clients.PublicKey)) { IdCount = ClientIdCount },
        ];


    /// <summary>One node's id, endpoint (replicas only) and base64 keys.</summary>
    internal sealed class NodeEntry
    {
        public int Id { get; set; }

        public string? EndPoint { get; set; }

        public string PublicKey { get; set; } = "";

        public string PrivateKey { get; set; } = "";

        public static NodeEntry Fresh(int id, string? endPoint)
        {
            var key = TcpNodeKey.Generate();
            return new NodeEntry
            {
                Id = id,
                EndPoint = endPoint,
                PublicKey = Convert.ToBase64String(key.PublicKey),
                PrivateKey = Convert.ToBase64String(key.PrivateKey),
            };
        }
    }
}
