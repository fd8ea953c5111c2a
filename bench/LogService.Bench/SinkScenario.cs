using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Sinks.LogService;
using LogService.Client.Trust;
using Serilog.Sinks.LogService.Tests.Support;

namespace LogService.Bench;

/// <summary>
/// One process logging through the Serilog sink with its durable buffer on. Two figures, two set-ups in one run:
/// <list type="bullet">
/// <item><c>sink_cpu_us_per_event</c>: process CPU per event of logging N events through the sink until every batch
/// has a verified receipt, with an in-process HTTP handler that answers each request with a ready-signed receipt
/// (a service that costs nothing), minus the CPU per event of the same logger writing to a null sink (the baseline,
/// what Serilog itself costs). It covers formatting, the buffer's write per event, reading batches back, HTTP client
/// work and receipt verification.</item>
/// <item><c>events_per_s</c> and <c>buffer_bytes_peak</c>: N events logged as fast as possible and shipped over
/// loopback HTTP to a stand-in service (the sink tests' Kestrel fake, which only counts and signs), timed until the
/// last receipt. The <c>target</c> field names what was on the other end.</item>
/// </list>
/// </summary>
internal sealed class SinkScenario : IBenchScenario
{
    private const string Stream = "bench/sink";

    public string Name => "sink";

    public async Task<JsonObject> RunAsync(BenchContext context)
    {
        var events = context.Quick ? 100_000 : 1_000_000;
        using var keys = new FakeReplicaKeys();
        var root = Path.Combine(Path.GetTempPath(), "sink-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Warm-up as long as one measured round, so tiered compilation (whose background work counts as process
            // CPU) has settled; then the median of three rounds of each.
            Baseline(events);
            await ThroughSinkAsync(keys, Path.Combine(root, "warm"), events, null);
            var baselines = new List<double>();
            var sinks = new List<double>();
            for (var round = 0; round < 3; round++)
            {
                baselines.Add(Baseline(events).CpuMicros / events);
                sinks.Add((await ThroughSinkAsync(keys, Path.Combine(root, $"cpu-{round}"), events, null)).CpuMicros / events);
                context.Progress.Note(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: null sink {baselines[^1]:F2} µs CPU/event, sink with a no-op service {sinks[^1]:F2}"));
            }

            var baseline = Stats.Percentile(baselines, 0.5);
            var sink = Stats.Percentile(sinks, 0.5);
            await using var fake = await FakeLogService.StartAsync(keys);
            fake.Discard = true;
            var endToEnd = await ThroughSinkAsync(keys, Path.Combine(root, "e2e"), events, fake.Url);
            context.Progress.Note(string.Create(CultureInfo.InvariantCulture, $"end to end: {events / endToEnd.Seconds:N0} events/s, buffer peak {endToEnd.PeakBytes:N0} B"));

            return new JsonObject
            {
                ["target"] = "fake service (in-process Kestrel on loopback; counts and signs receipts, stores nothing)",
                ["events"] = events,
                ["events_per_s"] = Math.Round(events / endToEnd.Seconds),
                ["buffer_bytes_peak"] = endToEnd.PeakBytes,
                ["logging_thread_events_per_s"] = Math.Round(events / endToEnd.LoggingSeconds),
                ["sink_cpu_us_per_event"] = Stats.Round(sink - baseline, 2),
                ["sink_total_cpu_us_per_event"] = Stats.Round(sink, 2),
                ["baseline_null_sink_cpu_us_per_event"] = Stats.Round(baseline, 2),
                ["end_to_end_process_cpu_us_per_event"] = Stats.Round(endToEnd.CpuMicros / events, 2),
            };
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static (double CpuMicros, double Seconds) Baseline(int events)
    {
        using var logger = new LoggerConfiguration().WriteTo.Sink(new NullSink()).CreateLogger();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        LogEvents(logger, events);
        return ((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Logs <paramref name="events"/> through a sink and waits for the last receipt; <paramref name="server"/> null: the no-op handler.</summary>
    private static async Task<Run> ThroughSinkAsync(FakeReplicaKeys keys, string directory, int events, Uri? server)
    {
        var options = new LogServiceSinkOptions
        {
            Stream = Stream,
            BufferDirectory = directory,
            BatchSizeLimit = 1000,
            Period = TimeSpan.FromMilliseconds(100),
            HttpHandler = server is null ? new ReceiptOnlyHandler(keys) : null,
            FlushTimeout = TimeSpan.FromMinutes(5),
            ReplicaKeys = ReplicaKeySet.Parse(keys.KeySetJson()),
        };
        options.ServerUrls.Add(server ?? new Uri("http://127.0.0.1:9/"));
        var sink = new LogServiceSink(options);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        double loggingSeconds;
        using (var logger = new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger())
        {
            LogEvents(logger, events);
            loggingSeconds = clock.Elapsed.TotalSeconds;
            while (sink.Shipper.Delivered < events)
            {
                await Task.Delay(1);
            }
        }

        return new Run((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds, clock.Elapsed.TotalSeconds, loggingSeconds, sink.Buffer.PeakBytes);
    }

    /// <summary>A typical application event: a template with three properties, one of them formatted.</summary>
    private static void LogEvents(Logger logger, int events)
    {
        for (var i = 0; i < events; i++)
        {
            logger.Information("Order {OrderId} for {Customer} placed, total {Total:0.00}", i, "customer-4711", 129.5m + i % 100);
        }
    }

    private sealed record Run(double CpuMicros, double Seconds, double LoggingSeconds, long PeakBytes);

    private sealed class NullSink : ILogEventSink
    {
        public void Emit(LogEvent logEvent)
        {
        }
    }

    /// <summary>Answers every request with a receipt for its line count, signed once per count and reused, and reads nothing else.</summary>
    private sealed class ReceiptOnlyHandler(FakeReplicaKeys keys) : HttpMessageHandler
    {
        private readonly Dictionary<int, byte[]> _receipts = [];
        private readonly byte[] _scratch = new byte[16 * 1024];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var count = 1;
            using (var body = await request.Content!.ReadAsStreamAsync(cancellationToken))
            {
                int read;
                while ((read = await body.ReadAsync(_scratch, cancellationToken)) > 0)
                {
                    count += _scratch.AsSpan(0, read).Count((byte)'\n');
                }
            }


            if (!_receipts.TryGetValue(count, out var receipt))
            {
                receipt = Encoding.UTF8.GetBytes(keys.Receipt(Stream, "bench", 0, count, "committed", keys.Keys[..(FakeReplicaKeys.F + 1)]).ToJsonString());
                _receipts[count] = receipt;
            }

            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(receipt) };
        }
    }
}
