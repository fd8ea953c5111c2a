using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Sinks.LogService;
using LogService.Client.Auth;
using LogService.Client.Trust;
using LogService.Testing;
using Serilog.Sinks.LogService.Tests.Support;

namespace LogService.Bench;

/// <summary>
/// One process logging through the Serilog sink with its durable buffer on. Three set-ups in one run:
/// <list type="bullet">
/// <item><c>events_per_s</c> and <c>buffer_bytes_peak</c>: N events logged as fast as possible into a real
/// four-replica deployment on this machine (replica and issuer processes, SQLite stores, client-credentials token,
/// receipts verified against the published key set), timed until the last receipt; <c>replicas_cpu_us_per_event</c>
/// is what the four replica processes spent together. The sink keeps its default window of batches in flight
/// (<c>max_batches_in_flight</c>, or <c>LOGSERVICE_BENCH_SINK_IN_FLIGHT</c>); then, on the same deployment, a
/// shorter run with one batch at a time (<c>events_per_s_one_in_flight</c>, the baseline) and one more with the
/// window (<c>events_per_s_window_again</c>), so the baseline is bracketed by runs under the same load.</item>
/// <item><c>fake_service_events_per_s</c>: the same over loopback HTTP to a stand-in service (the sink tests' Kestrel
/// fake, which only counts and signs): what the sink and HTTP reach when the service costs almost nothing.</item>
/// <item><c>sink_cpu_us_per_event</c>: process CPU per event of logging N events through the sink until every batch
/// has a verified receipt, with an in-process HTTP handler that answers each request with a ready-signed receipt
/// (a service that costs nothing), minus the CPU per event of the same logger writing to a null sink (the baseline,
/// what Serilog itself costs). It covers formatting, the buffer's write per event, reading batches back, HTTP client
/// work and receipt verification.</item>
/// </list>
/// </summary>
internal sealed class SinkScenario : IBenchScenario
{
    private const string Stream = "bench/sink";

    public string Name => "sink";

    public async Task<JsonObject> RunAsync(BenchContext context)
    {
        if (Environment.GetEnvironmentVariable("LOGSERVICE_BENCH_SINK_SELFLOG") is not null)
        {
            Serilog.Debugging.SelfLog.Enable(System.Console.Error); // the sink's retries and their reasons, on stderr
        }

        var events = context.Quick ? 50_000 : 1_000_000;
        using var keys = new FakeReplicaKeys();
        var root = Path.Combine(Path.GetTempPath(), "sink-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Warm-up as long as one measured round, so tiered compilation (whose background work counts as process
            // CPU) has settled; then the median of three rounds of each.
            Baseline(events);
            await ThroughSinkAsync(FakeKeyOptions(keys, Path.Combine(root, "warm"), null), events);
            var baselines = new List<double>();
            var sinks = new List<double>();
            for (var round = 0; round < 3; round++)
            {
                baselines.Add(Baseline(events).CpuMicros / events);
                sinks.Add((await ThroughSinkAsync(FakeKeyOptions(keys, Path.Combine(root, $"cpu-{round}"), null), events)).CpuMicros / events);
                context.Progress.Note(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: null sink {baselines[^1]:F2} µs CPU/event, sink with a no-op service {sinks[^1]:F2}"));
            }

            var baseline = Stats.Percentile(baselines, 0.5);
            var sink = Stats.Percentile(sinks, 0.5);
            await using var fake = await FakeLogService.StartAsync(keys);
            fake.Discard = true;
            var faked = await ThroughSinkAsync(FakeKeyOptions(keys, Path.Combine(root, "fake"), fake.Url), events);
            context.Progress.Note(string.Create(CultureInfo.InvariantCulture, $"fake service: {events / faked.Seconds:N0} events/s, buffer peak {faked.PeakBytes:N0} B"));

            var clusterEvents = context.Quick ? 5_000 : 200_000;
            var compareEvents = context.Quick ? 5_000 : 50_000;
            var window = int.TryParse(Environment.GetEnvironmentVariable("LOGSERVICE_BENCH_SINK_IN_FLIGHT"), CultureInfo.InvariantCulture, out var w) ? w : new LogServiceSinkOptions().MaxBatchesInFlight;
            var (live, oneInFlight, again) = await IntoClusterAsync(context, Path.Combine(root, "cluster"), clusterEvents, compareEvents, window);

            return new JsonObject
            {
                ["target"] = "four replica processes and a client-credentials issuer on loopback (SQLite stores), receipts verified",
                ["events"] = clusterEvents,
                ["events_per_s"] = Math.Round(live.Run.EventsPerSecond),
                ["buffer_bytes_peak"] = live.Run.PeakBytes,
                ["max_batches_in_flight"] = window,
                ["most_batches_in_flight"] = live.Run.MostInFlight,
                ["failed_attempts"] = live.Run.FailedAttempts,
                ["replicas_cpu_us_per_event"] = Stats.Round(live.ReplicasCpuMicrosPerEvent, 1),
                ["compare_events"] = compareEvents,
                ["events_per_s_one_in_flight"] = Math.Round(oneInFlight.Run.EventsPerSecond),
                ["replicas_cpu_us_per_event_one_in_flight"] = Stats.Round(oneInFlight.ReplicasCpuMicrosPerEvent, 1),
                ["events_per_s_window_again"] = Math.Round(again.Run.EventsPerSecond),
                ["replicas_cpu_us_per_event_window_again"] = Stats.Round(again.ReplicasCpuMicrosPerEvent, 1),
                ["logging_thread_events_per_s"] = Math.Round(clusterEvents / live.Run.LoggingSeconds),
                ["end_to_end_process_cpu_us_per_event"] = Stats.Round(live.Run.CpuMicros / clusterEvents, 2),
                ["fake_service_events"] = events,
                ["fake_service_events_per_s"] = Math.Round(events / faked.Seconds),
                ["fake_service_buffer_bytes_peak"] = faked.PeakBytes,
                ["sink_cpu_us_per_event"] = Stats.Round(sink - baseline, 2),
                ["sink_total_cpu_us_per_event"] = Stats.Round(sink, 2),
                ["baseline_null_sink_cpu_us_per_event"] = Stats.Round(baseline, 2),
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

    /// <summary>
    /// Starts the deployment, warms it (token, JIT, connections), then logs <paramref name="events"/> into acme/app
    /// with <paramref name="window"/> batches in flight, then <paramref name="compareEvents"/> with one batch at a
    /// time and again with the window, so the baseline is bracketed by runs under the same load.
    /// </summary>
    private static async Task<(ClusterRun Measured, ClusterRun OneInFlight, ClusterRun Again)> IntoClusterAsync(
        BenchContext context, string directory, int events, int compareEvents, int window)
    {
        context.Progress.Note("starting four replica processes");
        await using var cluster = await LocalCluster.StartAsync();
        using var http = cluster.CreateClient();
        using var keySet = ReplicaKeySet.Parse(await http.GetStringAsync(new Uri("/api/v1/replicas", UriKind.Relative)));
        using var credentials = new ClientCredentialsTokenSource(new ClientCredentialsOptions
        {
            Authority = cluster.IssuerUrl("acme"),
            ClientId = "acme-writer",
            ClientSecret = "acme-writer-secret",
        });
        LogServiceSinkOptions Options(string name)
        {
            var options = Defaults(Path.Combine(directory, name), keySet);
            options.Stream = "acme/app";
            options.Credentials = credentials;
            foreach (var url in cluster.ReplicaUrls)
            {
                options.ServerUrls.Add(url);
            }

            return options;
        }

        async Task<ClusterRun> Measure(string name, int count, int inFlight)
        {
            var options = Options(name);
            options.MaxBatchesInFlight = inFlight;
            var cpu = ReplicasCpu(cluster);
            var run = await ThroughSinkAsync(options, count);
            var result = new ClusterRun(run, (ReplicasCpu(cluster) - cpu).TotalMicroseconds / count);
            context.Progress.Note(string.Create(CultureInfo.InvariantCulture,
                $"4-replica service, {name}: {run.EventsPerSecond:N0} events/s ({run.MostInFlight} of {inFlight} batches in flight at most, {run.FailedAttempts} failed attempts), replicas {result.ReplicasCpuMicrosPerEvent:F1} µs CPU/event, buffer peak {run.PeakBytes:N0} B"));
            return result;
        }

        await ThroughSinkAsync(Options("warm"), events / 5);
        var measured = await Measure("measured", events, window);
        var one = await Measure("one in flight", compareEvents, 1);
        var again = await Measure("window again", compareEvents, window);
        return (measured, one, again);
    }

    private sealed record ClusterRun(Run Run, double ReplicasCpuMicrosPerEvent);

    private static TimeSpan ReplicasCpu(LocalCluster cluster) =>
        Enumerable.Range(0, cluster.Count).Aggregate(TimeSpan.Zero, (sum, replica) => sum + cluster.CpuTime(replica));

    /// <summary>Options pinned to the fake keys; <paramref name="server"/> null: the in-process no-op handler.</summary>
    private static LogServiceSinkOptions FakeKeyOptions(FakeReplicaKeys keys, string directory, Uri? server)
    {
        var options = Defaults(directory, ReplicaKeySet.Parse(keys.KeySetJson()));
        options.Stream = Stream;
        options.HttpHandler = server is null ? new ReceiptOnlyHandler(keys) : null;
        options.ServerUrls.Add(server ?? new Uri("http://127.0.0.1:9/"));
        return options;
    }

    private static LogServiceSinkOptions Defaults(string directory, ReplicaKeySet keys) => new()
    {
        BufferDirectory = directory,
        BatchSizeLimit = 1000,
        Period = TimeSpan.FromMilliseconds(100),
        FlushTimeout = TimeSpan.FromMinutes(5),
        ReplicaKeys = keys,
    };

    /// <summary>Logs <paramref name="events"/> through a sink built from <paramref name="options"/> and waits for the last receipt.</summary>
    private static async Task<Run> ThroughSinkAsync(LogServiceSinkOptions options, int events)
    {
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
                if (sink.Shipper.DeadLettered > 0)
                {
                    throw new InvalidOperationException($"the service rejected {sink.Shipper.DeadLettered} events; see {options.BufferDirectory}/dead-letter.jsonl");
                }

                await Task.Delay(1);
            }
        }

        return new Run(events, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds, clock.Elapsed.TotalSeconds, loggingSeconds, sink.Buffer.PeakBytes, sink.Shipper.MostInFlight, sink.Shipper.FailedAttempts);
    }

    /// <summary>A typical application event: a template with three properties, one of them formatted.</summary>
    private static void LogEvents(Logger logger, int events)
    {
        for (var i = 0; i < events; i++)
        {
            logger.Information("Order {OrderId} for {Customer} placed, total {Total:0.00}", i, "customer-4711", 129.5m + i % 100);
        }
    }

    private sealed record Run(int Events, double CpuMicros, double Seconds, double LoggingSeconds, long PeakBytes, int MostInFlight, long FailedAttempts)
    {
        public double EventsPerSecond => Events / Seconds;
    }

    private sealed class NullSink : ILogEventSink
    {
        public void Emit(LogEvent logEvent)
        {
        }
    }

    /// <summary>
    /// Answers every request with a receipt for its line count, signed once per count and reused, and reads nothing
    /// else. Requests come from several batches in flight at once.
    /// </summary>
    private sealed class ReceiptOnlyHandler(FakeReplicaKeys keys) : HttpMessageHandler
    {
        private readonly ConcurrentDictionary<int, byte[]> _receipts = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var count = 1;
            var scratch = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                using var body = await request.Content!.ReadAsStreamAsync(cancellationToken);
                int read;
                while ((read = await body.ReadAsync(scratch, cancellationToken)) > 0)
                {
                    count += scratch.AsSpan(0, read).Count((byte)'\n');
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }

            var receipt = _receipts.GetOrAdd(count, n =>
                Encoding.UTF8.GetBytes(keys.Receipt(Stream, "bench", 0, n, "committed", keys.Keys[..(FakeReplicaKeys.F + 1)]).ToJsonString()));

            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(receipt) };
        }
    }
}
