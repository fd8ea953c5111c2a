using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Serilog.Sinks.LogService.Tests.Support;

namespace Serilog.Sinks.LogService.Tests;

public sealed class ShippingTests : IDisposable
{
    private readonly SinkHarness _harness = new();
    private readonly SelfLogCapture _selfLog = new();

    [Fact]
    public async Task ServerErrorIsRetriedWithTheSameBatchIdAndDeliveredOnce()
    {
        await using var server = await FakeLogService.StartAsync(_harness.Keys);
        server.Script(new ScriptedAnswer(500), new ScriptedAnswer(503));
        using (var logger = SinkHarness.Logger(SinkHarness.Sink(_harness.Options(server.Url))))
        {
            for (var i = 0; i < 10; i++)
            {
                logger.Information("Order {OrderId} placed", i);
            }
        }

        var requests = server.Requests;
        Assert.True(requests.Count >= 3);
        Assert.Single(requests.Select(r => r.BatchId).Distinct());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), server.Stored.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(0, 10), server.Stored.Select(e => e.Event.GetProperty("OrderId").GetInt32()));
    }

    [Fact]
    public async Task RateLimitWaitsAtLeastRetryAfterBeforeTheRetry()
    {
        await using var server = await FakeLogService.StartAsync(_harness.Keys);
        server.Script(new ScriptedAnswer(429, RetryAfterSeconds: 2));
        using (var logger = SinkHarness.Logger(SinkHarness.Sink(_harness.Options(server.Url))))
        {
            logger.Information("one");
        }

        var requests = server.Requests;
        Assert.Equal(2, requests.Count);
        // A lower bound only: a slow machine makes the gap longer, never shorter.
        Assert.True(requests[1].Time - requests[0].Time >= TimeSpan.FromSeconds(1.9), $"retried after {requests[1].Time - requests[0].Time}");
        Assert.Single(server.Stored);
        Assert.True(_selfLog.Contains("429"));
    }

    [Fact]
    public async Task ForbiddenBatchGoesToTheDeadLetterFileAndLaterBatchesStillArrive()
    {
        await using var server = await FakeLogService.StartAsync(_harness.Keys);
        const string problem = """{"type":"urn:logservice:problem:policy:denied","title":"Write denied.","status":403,"rule":"writers","file":"acme.yaml"}""";
        server.Script(new ScriptedAnswer(403, Problem: problem));
        var options = _harness.Options(server.Url);
        options.BatchSizeLimit = 5;
        var sink = SinkHarness.Sink(options);
        using (var logger = SinkHarness.Logger(sink))
        {
            for (var i = 0; i < 5; i++)
            {
                logger.Information("Denied {N}", i);
            }

            Assert.True(await Eventually.TrueAsync(() => sink.Shipper.DeadLettered == 5));
            for (var i = 5; i < 12; i++)
            {
                logger.Information("Allowed {N}", i);
            }
        }

        Assert.Equal(Enumerable.Range(5, 7), server.Stored.Select(e => e.Event.GetProperty("N").GetInt32()).Order());
        Assert.Equal(Enumerable.Range(5, 7).Select(i => (long)i), server.Stored.Select(e => e.Sequence).Order());
        var line = Assert.Single(File.ReadAllLines(_harness.DeadLetterPath));
        using var letter = JsonDocument.Parse(line);
        Assert.Equal(403, letter.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("writers", letter.RootElement.GetProperty("problem").GetProperty("rule").GetString());
        Assert.Equal(0, letter.RootElement.GetProperty("firstSequence").GetInt64());
        Assert.Equal(Enumerable.Range(0, 5), letter.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("N").GetInt32()));
    }

    [Fact]
    public async Task FailsOverWhenTheFirstReplicaRefusesConnections()
    {
        await using var server = await FakeLogService.StartAsync(_harness.Keys);
        var closed = ClosedPort();
        using (var logger = SinkHarness.Logger(SinkHarness.Sink(_harness.Options(closed, server.Url))))
        {
            for (var i = 0; i < 25; i++)
            {
                logger.Information("Event {N}", i);
            }
        }

        Assert.Equal(Enumerable.Range(0, 25).Select(i => (long)i), server.Stored.Select(e => e.Sequence).Order());
        Assert.True(_selfLog.Contains(closed.ToString()), "the refused replica is reported");
    }

    [Fact]
    public async Task ForgedReceiptIsNotCountedAsDeliveryAndTheBatchIsSentToAnotherReplica()
    {
        await using var liar = await FakeLogService.StartAsync(_harness.Keys);
        await using var honest = await FakeLogService.StartAsync(_harness.Keys);
        liar.ForgeReceipts = true;
        var sink = SinkHarness.Sink(_harness.Options(liar.Url, honest.Url));
        using (var logger = SinkHarness.Logger(sink))
        {
            for (var i = 0; i < 10; i++)
            {
                logger.Information("Event {N}", i);
            }
        }

        Assert.NotEmpty(liar.Requests);
        Assert.True(_selfLog.Contains("invalid receipt"));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), honest.Stored.Select(e => e.Sequence));
        Assert.Equal(10, sink.Shipper.Delivered);
    }

    [Fact]
    public async Task OnlyForgedReceiptsLeaveTheEventsBufferedForTheNextStart()
    {
        await using var liar = await FakeLogService.StartAsync(_harness.Keys);
        liar.ForgeReceipts = true;
        var options = _harness.Options(liar.Url);
        options.FlushTimeout = TimeSpan.FromSeconds(1);
        var sink = SinkHarness.Sink(options);
        using (var logger = SinkHarness.Logger(sink))
        {
            logger.Information("kept");
            Assert.True(await Eventually.TrueAsync(() => liar.Requests.Count >= 2));
        }

        Assert.Equal(0, sink.Shipper.Delivered);
        await using var honest = await FakeLogService.StartAsync(_harness.Keys);
        using (SinkHarness.Logger(SinkHarness.Sink(_harness.Options(honest.Url))))
        {
            Assert.True(await Eventually.TrueAsync(() => honest.Stored.Count == 1));
        }

        Assert.Equal("kept", honest.Stored[0].Event.GetProperty("@mt").GetString());
    }

    [Fact]
    public async Task NativeFormatCarriesBatchIdSequenceAndSourceInTheBody()
    {
        await using var server = await FakeLogService.StartAsync(_harness.Keys);
        var options = _harness.Options(server.Url);
        options.Format = LogServiceFormat.Native;
        options.Application = "orders";
        using (var logger = SinkHarness.Logger(SinkHarness.Sink(options)))
        {
            logger.Warning("Stock for {Sku} low: {Left:000}", "A-1", 3);
        }

        var stored = Assert.Single(server.Stored);
        Assert.Equal("application/vnd.logservice.batch+json", server.Requests[0].ContentType);
        Assert.Equal("Warning", stored.Event.GetProperty("level").GetString());
        Assert.Equal("003", stored.Event.GetProperty("renderings")[0].GetString());
        Assert.Equal("A-1", stored.Event.GetProperty("properties").GetProperty("Sku").GetString());
        Assert.EndsWith(":0-0", stored.BatchId, StringComparison.Ordinal);
    }

    private static Uri ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }

    public void Dispose()
    {
        _selfLog.Dispose();
        _harness.Dispose();
    }
}
