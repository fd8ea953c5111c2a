using LogService.Replication.Events;

namespace LogService.Replication.Tests.Events;

public sealed class ReplicationEventStreamTests
{
    [Fact]
    public void FullSubscriberLosesEventsWithoutBlockingAndIsToldHowMany()
    {
        var stream = new ReplicationEventStream();
        using var slow = stream.Subscribe(capacity: 2);
        for (var i = 0; i < 10; i++)
        {
            stream.Publish(new ReplicationEvent { Kind = ReplicationEventKind.Decided, Time = i, Node = 0, Instance = i });
        }

        Assert.Equal(8, slow.Dropped);
        Assert.True(slow.Reader.TryRead(out var first));
        Assert.Equal(0, first.Instance);
        Assert.True(slow.Reader.TryRead(out _));
        stream.Publish(new ReplicationEvent { Kind = ReplicationEventKind.Decided, Time = 10, Node = 0, Instance = 10 });
        Assert.True(slow.Reader.TryRead(out var report));
        Assert.Equal(ReplicationEventKind.EventsDropped, report.Kind);
        Assert.Equal(8, report.Count);
        Assert.True(slow.Reader.TryRead(out var next));
        Assert.Equal(10, next.Instance);
    }

    [Fact]
    public void StreamWithoutSubscribersReportsSo()
    {
        var stream = new ReplicationEventStream();
        Assert.False(stream.HasSubscribers);
        var s = stream.Subscribe();
        Assert.True(stream.HasSubscribers);
        s.Dispose();
        Assert.False(stream.HasSubscribers);
    }
}
