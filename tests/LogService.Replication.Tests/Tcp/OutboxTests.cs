using LogService.Replication.Tcp;

namespace LogService.Replication.Tests.Tcp;

public sealed class OutboxTests
{
    private const int Capacity = 1 << 20;

    [Fact]
    public void BulkMessagesCannotCrowdOutSmallOnesWhenThePeerIsSlow()
    {
        using var outbox = new Outbox(Capacity);
        var bulk = new byte[Outbox.SmallMessageBytes + 1];
        var queuedBulk = 0;
        while (outbox.TryEnqueue(1, bulk))
        {
            queuedBulk++;
        }

        // Bulk stops at three quarters of the capacity; votes still fit in the rest.
        Assert.InRange(queuedBulk * (bulk.Length + Frame.RecordOverhead), (Capacity * 3 / 4) - bulk.Length, Capacity * 3 / 4);
        var vote = new byte[200];
        var queuedVotes = 0;
        while (outbox.TryEnqueue(1, vote))
        {
            queuedVotes++;
        }

        Assert.True(queuedVotes * (vote.Length + Frame.RecordOverhead) >= (Capacity / 4) - vote.Length - Frame.RecordOverhead, $"only {queuedVotes} small messages fit beside the bulk ones");
        Assert.Equal(2, outbox.Dropped);
    }

    [Fact]
    public void TakingTheQueueFreesRoomForBulkAgain()
    {
        using var outbox = new Outbox(Capacity);
        var bulk = new byte[Capacity / 2];
        Assert.True(outbox.TryEnqueue(1, bulk));
        Assert.False(outbox.TryEnqueue(1, bulk));
        var buffer = new byte[16];
        Assert.True(outbox.Take(ref buffer) > bulk.Length);
        Assert.True(outbox.TryEnqueue(1, bulk));
    }
}
