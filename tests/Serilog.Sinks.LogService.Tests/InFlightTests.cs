using Serilog.Core;
using Serilog.Sinks.LogService.Buffer;
using Serilog.Sinks.LogService.Shipping;
using Serilog.Sinks.LogService.Tests.Support;

namespace Serilog.Sinks.LogService.Tests;

/// <summary>Several batches in flight at once: release order, restart with batches in flight, spreading, and the one-at-a-time mode.</summary>
public sealed class InFlightTests : IDisposable
{
    private const long Held = 15;
    private readonly SinkHarness _harness = new();
    private readonly SelfLogCapture _selfLog = new();

    [Fact]
    public async Task ABatchFailingWhileLaterOnesAreDeliveredHoldsTheBufferUntilItIsDelivered()
    {
        await using var server = await FakeLogService.StartAsync(_harness.Keys);
        server.FailBatchHolding = Held;
        var options = _harness.Options(server.Url);
        options.MaxBatchesInFlight = 4;
        var sink = SinkHarness.Sink(options);
        using (var logger = SinkHarness.Logger(sink))
        {
            Write(logger, 0, 60);
            Assert.True(await Eventually.TrueAsync(() => server.Stored.Any(e => e.Sequence > Held + options.BatchSizeLimit)), "a batch after the failing one was delivered");
            var held = HeldBatch(server.Requests);
            Assert.DoesNotContain(server.Stored, e => e.Sequence == Held);
            Assert.True(sink.Shipper.Released <= held.SequenceStart, $"released {sink.Shipper.Released} events past the failing batch starting at {held.SequenceStart}");
            var recorded = BufferFiles.LoadPosition(_harness.BufferDirectory)!.Value.InFlightEnds;
            Assert.True(recorded.Count >= 2, "the failing batch and a later delivered one are both still recorded as in flight");

            server.FailBatchHolding = null;
            Assert.True(await Eventually.TrueAsync(() => sink.Shipper.Released > held.SequenceStart), "the buffer moved on once the batch was delivered");
        }

        Assert.Equal(Enumerable.Range(0, 60).Select(i => (long)i), server.Stored.Select(e => e.Sequence).Order()); // each once
        Assert.Equal(60, sink.Shipper.Released);
        var heldId = HeldBatch(server.Requests).BatchId;
        Assert.True(server.Requests.Count(r => r.BatchId == heldId) >= 2, "the failing batch was retried under its own id");
        Assert.True(_selfLog.Contains("503"));
        Assert.Empty(BufferFiles.LoadPosition(_harness.BufferDirectory)!.Value.InFlightEnds);
    }

    [Fact]
    public async Task AFailingBatchHoldsOnlyItsOwnSlotAndTheBatchesWaitingBehindItAreBounded()
    {
        await using var server = await FakeLogService.StartAsync(_harness.Keys);
        server.FailBatchHolding = Held;
        var options = _harness.Options(server.Url);
        options.MaxBatchesInFlight = 2;
        var sink = SinkHarness.Sink(options);
        var tracked = options.MaxBatchesInFlight * Window.TrackedPerSlot;
        using (var logger = SinkHarness.Logger(sink))
        {
            Write(logger, 0, 200);

            // The other slot keeps sending past the failing batch: more batches are delivered behind it than the
            // window holds, until the window tracks as many as it may.
            Assert.True(await Eventually.TrueAsync(() => BufferFiles.LoadPosition(_harness.BufferDirectory)?.InFlightEnds.Count == tracked),
                "the window filled up with batches done behind the failing one");
            var held = HeldBatch(server.Requests);
            var heldEnd = held.SequenceStart + held.Count;
            Assert.Contains(server.Stored, e => e.Sequence >= heldEnd + (options.MaxBatchesInFlight * options.BatchSizeLimit));
            Assert.True(sink.Shipper.Released <= held.SequenceStart, $"released {sink.Shipper.Released} events past the failing batch starting at {held.SequenceStart}");

            // No batch beyond the bound was read while the failing one is not done.
            await Task.Delay(300);
            var bound = heldEnd + ((tracked - 1) * options.BatchSizeLimit);
            Assert.DoesNotContain(server.Stored, e => e.Sequence >= bound);
            Assert.Equal(tracked, BufferFiles.LoadPosition(_harness.BufferDirectory)!.Value.InFlightEnds.Count);

            server.FailBatchHolding = null;
        }

        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), server.Stored.Select(e => e.Sequence).Order()); // each once
        Assert.Equal(200, sink.Shipper.Released);
        Assert.Empty(BufferFiles.LoadPosition(_harness.BufferDirectory)!.Value.InFlightEnds);
    }

    [Fact]
    public async Task StoppingWithBatchesInFlightBehindAFailingOneResendsTheSameBatchesAndStoresEachEventOnce()
    {
        await using var server = await FakeLogService.StartAsync(_harness.Keys);
        server.FailBatchHolding = Held;
        var options = _harness.Options(server.Url);
        options.MaxBatchesInFlight = 4;
        options.FlushTimeout = TimeSpan.FromSeconds(1);
        var first = SinkHarness.Sink(options);
        using (var logger = SinkHarness.Logger(first))
        {
            Write(logger, 0, 60);
            Assert.True(await Eventually.TrueAsync(() => server.Stored.Any(e => e.Sequence > Held + options.BatchSizeLimit)), "a batch after the failing one was delivered");
        }

        var held = HeldBatch(server.Requests);
        Assert.True(first.Shipper.Released <= held.SequenceStart);
        var firstRun = server.Requests;

        server.FailBatchHolding = null;
        var second = SinkHarness.Sink(_harness.Options(server.Url));
        SinkHarness.Logger(second).Dispose();

        Assert.Equal(Enumerable.Range(0, 60).Select(i => (long)i), server.Stored.Select(e => e.Sequence).Order()); // each once, none lost
        Assert.Equal(60, first.Shipper.Released + second.Shipper.Released); // the resent ones count as delivered: duplicate receipts accepted
        Assert.Empty(BufferFiles.LoadPosition(_harness.BufferDirectory)!.Value.InFlightEnds);
        var secondRun = server.Requests.Skip(firstRun.Count).ToList();
        Assert.Contains(secondRun, r => r.BatchId == held.BatchId);
        foreach (var request in secondRun)
        {
            // A batch the first process had sent goes out again with the same events under the same id.
            if (firstRun.FirstOrDefault(f => f.SequenceStart <= request.SequenceStart && request.SequenceStart < f.SequenceStart + f.Count) is { } earlier)
            {
                Assert.Equal((earlier.BatchId, earlier.SequenceStart, earlier.Count), (request.BatchId, request.SequenceStart, request.Count));
            }
        }
    }

    [Fact]
    public async Task BatchesInFlightAreSpreadOverTheReplicas()
    {
        await using var one = await FakeLogService.StartAsync(_harness.Keys);
        await using var two = await FakeLogService.StartAsync(_harness.Keys);
        one.ResponseDelay = two.ResponseDelay = TimeSpan.FromMilliseconds(100);
        var options = _harness.Options(one.Url, two.Url);
        options.MaxBatchesInFlight = 4;
        var sink = SinkHarness.Sink(options);
        using (var logger = SinkHarness.Logger(sink))
        {
            Write(logger, 0, 80);
        }

        Assert.NotEmpty(one.Stored);
        Assert.NotEmpty(two.Stored);
        Assert.Equal(Enumerable.Range(0, 80).Select(i => (long)i), one.Stored.Concat(two.Stored).Select(e => e.Sequence).Order());
        Assert.True(sink.Shipper.MostInFlight >= 2, $"at most {sink.Shipper.MostInFlight} batch in flight");
    }

    [Fact]
    public async Task WithOneInFlightBatchesAreSentOneAtATimeInOrderToOneReplica()
    {
        await using var first = await FakeLogService.StartAsync(_harness.Keys);
        await using var second = await FakeLogService.StartAsync(_harness.Keys);
        first.ResponseDelay = TimeSpan.FromMilliseconds(20);
        var options = _harness.Options(first.Url, second.Url);
        options.MaxBatchesInFlight = 1;
        var sink = SinkHarness.Sink(options);
        using (var logger = SinkHarness.Logger(sink))
        {
            Write(logger, 0, 50);
        }

        Assert.Equal(1, first.MostConcurrentWrites);
        Assert.Equal(1, sink.Shipper.MostInFlight);
        Assert.Empty(second.Requests);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), first.Stored.Select(e => e.Sequence)); // stored in order
    }

    [Fact]
    public void FewerThanOneBatchInFlightIsRefused()
    {
        var options = _harness.Options(new Uri("http://127.0.0.1:9/"));
        options.MaxBatchesInFlight = 0;
        Assert.Throws<ArgumentException>(() => SinkHarness.Sink(options));
    }

    /// <summary>The request of the batch holding the sequence the fake refuses.</summary>
    private static RequestRecord HeldBatch(IReadOnlyList<RequestRecord> requests) =>
        requests.First(r => r.SequenceStart <= Held && Held < r.SequenceStart + r.Count);

    private static void Write(Logger logger, int first, int count)
    {
        for (var i = first; i < first + count; i++)
        {
            logger.Information("Event {N}", i);
        }
    }

    public void Dispose()
    {
        _selfLog.Dispose();
        _harness.Dispose();
    }
}
