using Serilog.Sinks.LogService.Tests.Support;

namespace Serilog.Sinks.LogService.Tests;

public sealed class BufferFullTests : IDisposable
{
    private readonly SinkHarness _harness = new();
    private readonly SelfLogCapture _selfLog = new();

    [Fact]
    public async Task AFullBufferRefusesCountsReportsAndLeavesAGapMarkerAndASequenceGap()
    {
        await using var server = await FakeLogService.StartAsync(_harness.Keys);
        server.Unavailable = true;
        var options = _harness.Options(server.Url);
        options.BufferSizeLimitBytes = 128 * 1024;
        var sink = SinkHarness.Sink(options);
        long refused;
        using (var logger = SinkHarness.Logger(sink))
        {
            for (var i = 0; i < 2000; i++)
            {
                logger.Information("Event {N} {Padding}", i, new string('p', 200));
            }

            refused = sink.Buffer.RefusedTotal;
            Assert.True(refused > 0);
            Assert.True(sink.Buffer.PeakBytes <= options.BufferSizeLimitBytes);
            Assert.True(_selfLog.Contains("refusing events"));

            server.Unavailable = false;
            var accepted = 2000 - refused;
            Assert.True(await Eventually.TrueAsync(() => server.Stored.Count == accepted));
            logger.Information("After the outage");
        }

        var stored = server.Stored;
        var marker = stored.Single(e => e.Event.TryGetProperty("RefusedEvents", out _));
        Assert.Equal(refused, marker.Event.GetProperty("RefusedEvents").GetInt64());
        Assert.Equal("Warning", marker.Event.GetProperty("@l").GetString());
        var lastBefore = stored.Where(e => e.Event.TryGetProperty("N", out _)).Max(e => e.Sequence);
        Assert.Equal(lastBefore + refused + 1, marker.Sequence); // the refused events' sequence numbers stay unused
        Assert.Equal(marker.Sequence + 1, stored.Single(e => e.Event.GetProperty("@mt").GetString() == "After the outage").Sequence);
        Assert.True(_selfLog.Contains("gap marker"));
    }

    public void Dispose()
    {
        _selfLog.Dispose();
        _harness.Dispose();
    }
}
