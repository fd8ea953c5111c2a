using System.Threading.Channels;
using LogService.Replication.Events;

namespace LogService.Server.Hosting;

/// <summary>
/// Follows the replication event stream for what <c>GET /api/v1/status</c> reports: the current regency (and so
/// the leader) and the last checkpoint, and writes the events an operator acts on (checkpoints, suspicions, leader
/// changes, state transfers, misbehaviour, dropped events) to the process log. Message events are skipped, not stored; the
/// full record is the capture stream.
/// </summary>
internal sealed partial class ReplicaStatus(ReplicationEventStream events, ILogger<ReplicaStatus> logger) : BackgroundService
{
    private int _regency;
    private long _lastCheckpoint = -1;
    private TimeSpan _pausedBefore = GC.GetTotalPauseDuration();
    private long _allocatedBefore = GC.GetTotalAllocatedBytes();
    private int _gen0Before = GC.CollectionCount(0);
    private int _gen1Before = GC.CollectionCount(1);
    private int _gen2Before = GC.CollectionCount(2);

    public int Regency => Volatile.Read(ref _regency);

    public long LastCheckpoint => Interlocked.Read(ref _lastCheckpoint);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = events.Subscribe();
        try
        {
            await foreach (var e in subscription.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                switch (e.Kind)
                {
                    case ReplicationEventKind.LeaderChanged:
                        Volatile.Write(ref _regency, e.Regency);
                        LeaderChanged(e.Regency, e.Detail);
                        break;
                    case ReplicationEventKind.Checkpoint:
                        Interlocked.Exchange(ref _lastCheckpoint, e.Instance);
                        Checkpoint(e.Instance, e.Detail, GcSinceLastCheckpoint());
                        break;
                    case ReplicationEventKind.Suspicion:
                        Suspicion(e.Regency, e.Detail);
                        break;
                    case ReplicationEventKind.StateTransferStarted or ReplicationEventKind.StateTransferCompleted:
                        StateTransfer(e.Kind, e.Instance, e.Detail);
                        break;
                    case ReplicationEventKind.Misbehaviour:
                        Misbehaviour(e.From, e.Misbehaviour, e.Detail);
                        break;
                    case ReplicationEventKind.EventsDropped:
                        EventsDropped(e.Count);
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leader change: regency {Regency}: {Detail}")]
    private partial void LeaderChanged(int regency, string? detail);

    /// <summary>
    /// What the garbage collector cost since the previous checkpoint: the bytes allocated, the time every thread of the
    /// replica was paused and the collections of each generation. Pauses hold up ordering and execution alike, so they show in batch latency.
    /// </summary>
    private string GcSinceLastCheckpoint()
    {
        var paused = GC.GetTotalPauseDuration();
        var allocated = GC.GetTotalAllocatedBytes();
        var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var summary = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{(allocated - _allocatedBefore) / 1e6:0} MB allocated; GC paused {(paused - _pausedBefore).TotalMilliseconds:0} ms in {gen0 - _gen0Before} collections ({gen1 - _gen1Before} of them of gen1 or gen2, {gen2 - _gen2Before} of gen2)");
        (_pausedBefore, _allocatedBefore, _gen0Before, _gen1Before, _gen2Before) = (paused, allocated, gen0, gen1, gen2);
        return summary;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Checkpoint at instance {Instance}: {Detail}; since the previous one {Gc}")]
    private partial void Checkpoint(long instance, string? detail, string gc);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Suspecting the leader of regency {Regency}: {Detail}")]
    private partial void Suspicion(int regency, string? detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} at instance {Instance}: {Detail}")]
    private partial void StateTransfer(ReplicationEventKind kind, long instance, string? detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Misbehaviour of node {Node}: {Kind}: {Detail}")]
    private partial void Misbehaviour(int node, MisbehaviourKind kind, string? detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} replication events dropped by a slow subscriber")]
    private partial void EventsDropped(long count);
}
