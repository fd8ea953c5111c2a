using System.Net;
using LogService.Core.Replica;
using LogService.Replication;
using LogService.Replication.Events;
using LogService.Replication.Tcp;
using LogService.Replication.Transport;
using LogService.Storage;
using Microsoft.Extensions.Options;

namespace LogService.Server.Hosting;

/// <summary>
/// One replica's moving parts: its keys, its SQLite store, the Log Core state machine and the replication node over
/// TCP. Created when first asked for (the store opens then), started and stopped by <see cref="ReplicaNodeService"/>.
/// </summary>
public sealed class ReplicaRuntime : IAsyncDisposable
{
    private readonly LogCoreStateMachine _machine;
    private readonly ReplicaNode _node;
    private readonly TcpPeer[] _replicaPeers;
    private int _stopped;

    /// <summary>Opens the replica's store and builds its node (not started yet).</summary>
    public ReplicaRuntime(IOptions<ReplicaOptions> options, ClusterFile cluster, ClusterDirectory directory, ReplicationEventStream events)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(cluster);
        var o = options.Value;
        DataDirectory = o.ResolvedDataDirectory;
        Secrets = ReplicaSecrets.Load(DataDirectory);
        Directory = directory;
        _replicaPeers = cluster.Replicas
            .Select(r => new TcpPeer(r.Id, IPEndPoint.Parse(r.ReplicationEndPoint), Convert.FromBase64String(r.ConsensusKey)))
            .ToArray();
        Identity = Secrets.ToIdentity(o.Id);
        Keys = new ReplicaKeySet(directory.PublicKeys);
        Store = LogStores.OpenSqlite(new SqliteStoreOptions { Path = Path.Combine(DataDirectory, "log.db"), Sync = SyncPolicy.Full });
        try
        {
            _machine = new LogCoreStateMachine(Store, Identity, Keys);
            Replication = ReplicationOptionsOf(cluster, o, Secrets, DataDirectory);
            var transport = TcpTransport.CreateReplica(new TcpTransportOptions
            {
                Self = o.Id,
                PrivateKey = Convert.FromBase64String(Secrets.ConsensusKey),
                Peers = PeersOf(cluster),

                // State transfer sends a lagging replica the whole checkpoint (a snapshot of the store) and the decided
                // batches since, each in one message; a message over the limit is dropped, and the replica would then
                // never catch up. The buffers grow only when such a message is actually sent.
                MaxMessageBytes = MaxReplicaMessageBytes,
                MaxQueuedBytes = MaxReplicaMessageBytes + (32 << 20),
            });
            _node = new ReplicaNode(Replication, transport, _machine, events, o.Faults.Any ? o.Faults : null);
            Faulty = o.Faults.Any;
        }
        catch
        {
            Store.Dispose();
            throw;
        }
    }

    /// <summary>Largest message between replicas (256 MiB): bounds the store a state transfer can ship in one checkpoint.</summary>
    public const int MaxReplicaMessageBytes = 256 << 20;

    /// <summary>This replica's data folder.</summary>
    public string DataDirectory { get; }

    /// <summary>This replica's private keys.</summary>
    public ReplicaSecrets Secrets { get; }

    /// <summary>This replica's Log Core keys (statement signing, key agreement, at-rest key).</summary>
    public ReplicaIdentity Identity { get; }

    /// <summary>Every replica's public keys, to verify statements with.</summary>
    public ReplicaKeySet Keys { get; }

    /// <summary>The deployment.</summary>
    public ClusterDirectory Directory { get; }

    /// <summary>The replica's store; reads from request threads use pooled read connections and never block the writer.</summary>
    public ILogStore Store { get; }

    /// <summary>The engine options every replica and client of this deployment shares.</summary>
    public ReplicationOptions Replication { get; }

    /// <summary>Completes when the node stops; faulted if the state machine or the engine failed.</summary>
    public Task Completion => _node.Completion;

    /// <summary>Whether this replica runs with Byzantine behaviours switched on (<see cref="ReplicaOptions.Faults"/>).</summary>
    public bool Faulty { get; }

    /// <summary>Whether the node was started and has not stopped.</summary>
    public bool Running { get; private set; }

    /// <summary>Whether a recently executed instance ordered only appends to <c>_system/bft</c> (the capture folds those).</summary>
    public bool IsCaptureOnly(long instance) => _machine.IsCaptureOnly(instance);

    /// <summary>Recovers from the consensus log and joins the group.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _node.StartAsync(cancellationToken).ConfigureAwait(false);
        Running = true;
    }

    /// <summary>The transport options of the front end's replication clients (ids from <c>1000 + Id × 256</c>).</summary>
    public TcpTransportOptions ClientTransport(int count) => new()
    {
        Self = NodeIds.FirstClientId + (Directory.SelfId * ReplicaOptions.ClientIdsPerReplica),
        SelfIdCount = count,
        PrivateKey = Convert.FromBase64String(Secrets.ClientKey),
        Peers = [.. _replicaPeers],
    };

    /// <summary>
    /// Stops the node (no more batches are executed). Called when the host stops, before the container disposes the
    /// store it hands out, so shutting down never executes a batch on a closed store. Safe to call more than once.
    /// </summary>
    public async Task StopAsync()
    {
        Running = false;
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _node.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops the node, then closes the store and zeroes the keys.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _machine.Dispose();
        Store.Dispose();
        Keys.Dispose();
        Identity.Dispose();
    }

    private List<TcpPeer> PeersOf(ClusterFile cluster)
    {
        var clients = cluster.Replicas.Select(r => new TcpPeer(
            NodeIds.FirstClientId + (r.Id * ReplicaOptions.ClientIdsPerReplica), null, Convert.FromBase64String(r.ClientKey))
        {
            IdCount = ReplicaOptions.ClientIdsPerReplica,
        });
        return [.. _replicaPeers, .. clients];
    }

    private static ReplicationOptions ReplicationOptionsOf(ClusterFile cluster, ReplicaOptions o, ReplicaSecrets secrets, string dataDirectory) => new()
    {
        ReplicaCount = cluster.Replicas.Count,
        ReplicaPublicKeys = cluster.Replicas.Select(r => Convert.FromBase64String(r.ConsensusKey)).ToArray(),
        SigningKey = Convert.FromBase64String(secrets.ConsensusKey),
        DataDirectory = Path.Combine(dataDirectory, "consensus"),
        SyncWrites = o.SyncConsensusLog,
        ExecuteInBackground = o.ExecuteInBackground,
        CheckpointPeriod = o.CheckpointPeriod,

        // A request carries one HTTP body (at most 10 MiB of JSON, smaller once encoded) plus the command framing.
        MaxRequestBytes = 12 << 20,
        MaxBatchBytes = 8 << 20,
    };
}
