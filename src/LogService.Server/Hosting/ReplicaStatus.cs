using System.Threading.Channels;
using LogService.Replication.Events;

namespace LogService.Server.Hosting;

/// <summary>
/// Follows the replication event stream for what <c>GET /api/v1/status</c> reports: the current regency (and so
/// the leader) and the last checkpoint. Message events are skipped, not stored.
/// </summary>
internal sealed class ReplicaStatus(ReplicationEventStream events) : BackgroundService
{
    private int _regency;
    private long _lastCheckpoint = -1;

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
                        break;
                    case ReplicationEventKind.Checkpoint:
                        Interlocked.Exchange(ref _lastCheckpoint, e.Instance);
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            // Stopping.
        }
    }
}
