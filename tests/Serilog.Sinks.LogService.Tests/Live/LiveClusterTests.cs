using System.Text.Json;
using LogService.Client.Trust;
using Serilog.Core;
using Serilog.Sinks.LogService.Tests.Support;

namespace Serilog.Sinks.LogService.Tests.Live;

/// <summary>
/// The sink in a real Serilog pipeline against real replica processes: receipts checked against the key set the
/// deployment publishes, entries read back through the query API, a replica killed under the sink.
/// </summary>
[Collection(LiveCluster.Collection)]
public sealed class LiveClusterTests(LiveCluster live)
{
    [Fact]
    public async Task KillingTheReplicaInUseFailsOverWithoutLossOrDuplicatesAndEntriesKeepTheirProperties()
    {
        using var selfLog = new SelfLogCapture();
        var run = Guid.NewGuid().ToString("N");
        var cluster = live.Cluster;

        // Replica 1 first, so it is the one the sink talks to; replica 0 (the key service) is read from afterwards.
        var options = Options(run, live.KeySetJson, cluster.ReplicaUrls[1], cluster.ReplicaUrls[2], cluster.ReplicaUrls[3], cluster.ReplicaUrls[0]);
        var sink = new LogServiceSink(options);
        const int Total = 600;
        long deliveredAtKill;
        using (var logger = SinkHarness.Logger(sink))
        {
            Write(logger, run, 0, Total / 2);
            Assert.True(await Eventually.TrueAsync(() => sink.Shipper.Delivered >= 100, seconds: 120), "the sink delivered through replica 1");
            await cluster.KillAsync(1);
            deliveredAtKill = sink.Shipper.Delivered;
            Write(logger, run, Total / 2, Total / 2);
        }

        Assert.True(deliveredAtKill < Total, "replica 1 was killed while the sink still had events to ship");
        Assert.Equal(Total, sink.Shipper.Delivered);
        Assert.Equal(0, sink.Shipper.DeadLettered);
        var killed = cluster.ReplicaUrls[1].ToString().TrimEnd('/');
        Assert.Contains(selfLog.Lines, l => l.Contains(killed, StringComparison.Ordinal) && l.Contains("failed", StringComparison.Ordinal));

        var entries = await live.EntriesAsync(run);
        Assert.Equal(Enumerable.Range(0, Total).Select(i => (long)i), entries.Select(e => LiveCluster.Number(e, "I")).Order());
        Assert.Equal(Enumerable.Range(0, Total).Select(i => (long?)i), entries.OrderBy(e => LiveCluster.Number(e, "I")).Select(LiveCluster.SourceSequence));
        var sample = entries.Single(e => LiveCluster.Number(e, "I") == 7);
        Assert.Equal("Information", sample.GetProperty("level").GetString());
        var body = sample.GetProperty("body");
        Assert.Equal(Template, body.GetProperty("messageTemplate").GetString());
        Assert.Equal("ord-7", body.GetProperty("properties").GetProperty("OrderId").GetString());
        Assert.Contains("Ada", body.GetProperty("properties").GetProperty("Customer").GetRawText(), StringComparison.Ordinal);
        Assert.Equal("verified", sample.GetProperty("integrity").GetProperty("state").GetString());
    }

    [Fact]
    public async Task ReceiptsFromTheRealServiceDoNotCountUnderAForeignKeySetAndTheEventsWaitInTheBuffer()
    {
        using var selfLog = new SelfLogCapture();
        var run = Guid.NewGuid().ToString("N");
        var replica = live.Cluster.ReplicaUrls[0];
        const int Total = 30;

        var misled = Options(run, live.ForeignKeySetJson(), replica);
        misled.FlushTimeout = TimeSpan.FromSeconds(3);
        var first = new LogServiceSink(misled);
        using (var logger = SinkHarness.Logger(first))
        {
            Write(logger, run, 0, Total);
        }

        Assert.Equal(0, first.Shipper.Delivered);
        Assert.Equal(0, first.Shipper.DeadLettered);
        Assert.True(selfLog.Contains("valid signatures of distinct pinned replicas"), string.Join('\n', selfLog.Lines));

        // The same buffer under the right key set: the retried batches (same batch ids) are delivered, and the
        // service, which committed them on the first tries, stores each event once.
        var pinned = Options(run, live.KeySetJson, replica);
        var second = new LogServiceSink(pinned);
        SinkHarness.Logger(second).Dispose();
        Assert.Equal(Total, second.Shipper.Delivered);
        var entries = await live.EntriesAsync(run);
        Assert.Equal(Enumerable.Range(0, Total).Select(i => (long)i), entries.Select(e => LiveCluster.Number(e, "I")).Order());
    }

    [Fact]
    public async Task KillingEveryReplicaWithSeveralBatchesInFlightAndRestartingThemStoresEveryEventOnce()
    {
        var run = Guid.NewGuid().ToString("N");
        var cluster = live.Cluster;
        var options = Options(run, live.KeySetJson, [.. cluster.ReplicaUrls]);
        options.MaxBatchesInFlight = 4;
        var sink = new LogServiceSink(options);
        const int Total = 400;
        long deliveredAtKill;
        using (var logger = SinkHarness.Logger(sink))
        {
            Write(logger, run, 0, Total / 2);
            Assert.True(await Eventually.TrueAsync(() => sink.Shipper.Delivered >= 50, seconds: 120), "the sink delivered before the service went down");
            await Task.WhenAll(Enumerable.Range(0, cluster.Count).Select(cluster.KillAsync));
            deliveredAtKill = sink.Shipper.Delivered;
            Write(logger, run, Total / 2, Total / 2); // the service is down: these wait in the buffer
            await Task.WhenAll(Enumerable.Range(0, cluster.Count).Select(r => cluster.RestartAsync(r)));
        }

        Assert.True(deliveredAtKill < Total, "the service was killed while the sink still had events to ship");
        Assert.True(sink.Shipper.MostInFlight >= 2, $"at most {sink.Shipper.MostInFlight} batch in flight");
        Assert.Equal(Total, sink.Shipper.Delivered);
        Assert.Equal(Total, sink.Shipper.Released);
        var entries = await live.EntriesAsync(run);
        Assert.Equal(Enumerable.Range(0, Total).Select(i => (long)i), entries.Select(e => LiveCluster.Number(e, "I")).Order());

        // The sealed per-source sequences: each once, no gap, in the order the events were logged (a fresh buffer starts at 0).
        Assert.Equal(Enumerable.Range(0, Total).Select(i => (long?)i), entries.OrderBy(e => LiveCluster.Number(e, "I")).Select(LiveCluster.SourceSequence));
    }

    [Fact]
    public async Task ABatchTheServiceRefusesGoesToTheDeadLetterFileAndTheBatchesBehindItAreStored()
    {
        var run = Guid.NewGuid().ToString("N");
        var options = Options(run, live.KeySetJson, live.Cluster.ReplicaUrls[0]);
        options.BatchSizeLimit = 1;
        var sink = new LogServiceSink(options);
        using (var logger = SinkHarness.Logger(sink))
        {
            Write(logger, run, 0, 5);
            logger.Information("Too many values {Values} in run {Run} as number {I}", Enumerable.Range(0, 5000).ToArray(), run, -1); // over MaxPropertyValues: 400
            Write(logger, run, 5, 5);
        }

        Assert.Equal(10, sink.Shipper.Delivered);
        Assert.Equal(1, sink.Shipper.DeadLettered);
        var letter = JsonDocument.Parse(File.ReadAllLines(Path.Combine(options.BufferDirectory!, "dead-letter.jsonl")).Single()).RootElement;
        Assert.Equal(400, letter.GetProperty("status").GetInt32());
        Assert.StartsWith("urn:logservice:problem:", letter.GetProperty("problem").GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(-1, letter.GetProperty("events")[0].GetProperty("I").GetInt32());
        var entries = await live.EntriesAsync(run);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), entries.Select(e => LiveCluster.Number(e, "I")).Order());
    }

    private const string Template = "Order {OrderId} placed by {@Customer} in run {Run} as number {I}";

    private static void Write(Logger logger, string run, int first, int count)
    {
        for (var i = first; i < first + count; i++)
        {
            logger.Information(Template, $"ord-{i}", new { Name = "Ada", Tier = 3 }, run, i);
        }
    }

    /// <summary>Options for <c>acme-writer</c> pinned to <paramref name="keySetJson"/>, with a buffer of their own and short waits.</summary>
    private LogServiceSinkOptions Options(string run, string keySetJson, params Uri[] replicas)
    {
        var options = new LogServiceSinkOptions
        {
            Stream = LiveCluster.Stream,
            ReplicaKeys = ReplicaKeySet.Parse(keySetJson),
            Credentials = live.WriterCredentials,
            BufferDirectory = Path.Combine(live.Folder, run),
            BatchSizeLimit = 25,
            Period = TimeSpan.FromMilliseconds(50),
            MinimumBackoff = TimeSpan.FromMilliseconds(20),
            MaximumBackoff = TimeSpan.FromMilliseconds(500),
            RequestTimeout = TimeSpan.FromSeconds(20),
            FlushTimeout = TimeSpan.FromMinutes(3),
        };
        foreach (var replica in replicas)
        {
            options.ServerUrls.Add(replica);
        }

        return options;
    }
}
