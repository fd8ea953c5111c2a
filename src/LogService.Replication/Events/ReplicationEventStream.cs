using System.Threading.Channels;

namespace LogService.Replication.Events;

/// <summary>
/// Fans events out to subscribers through bounded buffers. Publishing never blocks: a full subscriber loses the
/// event, the loss is counted, and an <see cref="ReplicationEventKind.EventsDropped"/> event is delivered once it has room again.
/// </summary>
public sealed class ReplicationEventStream
{
    private volatile EventSubscription[] subscribers = [];
    private readonly object gate = new();

    /// <summary>Whether anyone listens; the engine skips building events when nobody does.</summary>
    public bool HasSubscribers => subscribers.Length > 0;

    /// <summary>Subscribes with a buffer of <paramref name="capacity"/> events.</summary>
    public EventSubscription Subscribe(int capacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var subscription = new EventSubscription(this, capacity);
        lock (gate)
        {
            subscribers = [.. subscribers, subscription];
        }

        return subscription;
    }

    /// <summary>Delivers <paramref name="e"/> to every subscriber without blocking.</summary>
    public void Publish(ReplicationEvent e)
    {
        foreach (var s in subscribers)
        {
            s.Offer(e);
        }
    }

    internal void Remove(EventSubscription subscription)
    {
        lock (gate)
        {
            subscribers = [.. subscribers.Where(s => s != subscription)];
        }
    }
}

/// <summary>One subscriber's bounded buffer of events.</summary>
public sealed class EventSubscription : IDisposable
{
    private readonly ReplicationEventStream stream;
    private readonly Channel<ReplicationEvent> channel;
    private long dropped;
    private long unreported;

    internal EventSubscription(ReplicationEventStream stream, int capacity)
    {
        this.stream = stream;
        channel = Channel.CreateBounded<ReplicationEvent>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = false, SingleWriter = false });
    }

    /// <summary>The events, in publication order.</summary>
    public ChannelReader<ReplicationEvent> Reader => channel.Reader;

    /// <summary>How many events this subscription has lost because its buffer was full.</summary>
    public long Dropped => Interlocked.Read(ref dropped);

    internal void Offer(ReplicationEvent e)
    {
        if (Interlocked.Read(ref unreported) > 0)
        {
            var lost = Interlocked.Exchange(ref unreported, 0);
            var report = new ReplicationEvent { Kind = ReplicationEventKind.EventsDropped, Time = e.Time, Node = e.Node, Count = lost };
            if (!channel.Writer.TryWrite(report))
            {
                Interlocked.Add(ref unreported, lost);
            }
        }

        if (!channel.Writer.TryWrite(e))
        {
            Interlocked.Increment(ref dropped);
            Interlocked.Increment(ref unreported);
        }
    }

    /// <summary>Stops receiving events and completes <see cref="Reader"/>.</summary>
    public void Dispose()
    {
        stream.Remove(this);
        channel.Writer.TryComplete();
    }
}
