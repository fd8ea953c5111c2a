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
/// is what the four replica processes spent together. The deployment is warmed up first with at least 60 s of the same
/// traffic, until the replicas' CPU per event has settled (the first events after start are reported apart, <c>…_first_after_start</c>: the replicas' JIT is still
/// compiling and tiering up then, which costs them a multiple of the steady state). The sink keeps its default window
/// of batches in flight (<c>max_batches_in_flight</c>, or <c>LOGSERVICE_BENCH_SINK_IN_FLIGHT</c>); then, on the same
/// deployment, a shorter run with one batch at a time (<c>events_per_s_baseline</c>; another window for it with
/// <c>LOGSERVICE_BENCH_SINK_BASELINE_IN_FLIGHT</c>), one more
/// with the window (<c>events_per_s_window_again</c>), and the same events posted without the sink as CLEF and as
/// native JSON batches (<c>…_direct_clef</c>, <c>…_direct_native</c>): what the replicas spend per event for each
/// format under the same load.</item>
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
            var baselineWindow = int.TryParse(Environment.GetEnvironmentVariable("LOGSERVICE_BENCH_SINK_BASELINE_IN_FLIGHT"), CultureInfo.InvariantCulture, out var b) ? b : 1;
            var load = Stats.LoadAverage();
            var cluster = await IntoClusterAsync(context, Path.Combine(root, "cluster"), clusterEvents, compareEvents, window, baselineWindow, TimeSpan.FromSeconds(context.Quick ? 3 : 60));
            var live = cluster.Measured;

            return new JsonObject
            {
                ["target"] = "four replica processes and a client-credentials issuer on loopback (SQLite stores), receipts verified",
                ["load_average_at_cluster_start"] = load,
                ["events"] = clusterEvents,
                ["events_per_s"] = Math.Round(live.Run.EventsPerSecond),
                ["buffer_bytes_peak"] = live.Run.PeakBytes,
                ["max_batches_in_flight"] = window,
                ["most_batches_in_flight"] = live.Run.MostInFlight,
                ["events_per_request"] = Stats.Round(live.Run.EventsPerRequest, 1),
                ["failed_attempts"] = live.Run.FailedAttempts,
                ["replicas_cpu_us_per_event"] = Stats.Round(live.ReplicasCpuMicrosPerEvent, 1),
                ["events_per_s_first_after_start"] = Math.Round(cluster.Cold.Run.EventsPerSecond),
                ["replicas_cpu_us_per_event_first_after_start"] = Stats.Round(cluster.Cold.ReplicasCpuMicrosPerEvent, 1),
                ["compare_events"] = compareEvents,
                ["baseline_batches_in_flight"] = baselineWindow,
                ["events_per_s_baseline"] = Math.Round(cluster.Baseline.Run.EventsPerSecond),
                ["replicas_cpu_us_per_event_baseline"] = Stats.Round(cluster.Baseline.ReplicasCpuMicrosPerEvent, 1),
                ["events_per_s_window_again"] = Math.Round(cluster.Again.Run.EventsPerSecond),
                ["replicas_cpu_us_per_event_window_again"] = Stats.Round(cluster.Again.ReplicasCpuMicrosPerEvent, 1),
                ["events_per_s_direct_clef"] = Math.Round(cluster.Clef.EventsPerSecond),
                ["replicas_cpu_us_per_event_direct_clef"] = Stats.Round(cluster.Clef.ReplicasCpuMicrosPerEvent, 1),
                ["events_per_s_direct_native"] = Math.Round(cluster.Native.EventsPerSecond),
                ["replicas_cpu_us_per_event_direct_native"] = Stats.Round(cluster.Native.ReplicasCpuMicrosPerEvent, 1),
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
    /// Starts the deployment and logs <paramref name="events"/>/5 into acme/app right away (the cold figures: the
    /// replicas are still compiling and tiering up their hot paths), then keeps logging until
    /// <paramref name="warmup"/> has passed, then measures <paramref name="events"/> with <paramref name="window"/>
    /// batches in flight, <paramref name="compareEvents"/> with <paramref name="baselineWindow"/> and again with the window (so
    /// the baseline is bracketed by runs under the same load), and last the same events without the sink, posted
    /// directly as CLEF and as native JSON batches of the sink's size with the same window and batch headers: what
    /// the replicas spend per event for each format on the same deployment.
    /// </summary>
    private static async Task<ClusterFigures> IntoClusterAsync(BenchContext context, string directory, int events, int compareEvents, int window, int baselineWindow, TimeSpan warmup)
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
                $"4-replica service, {name}: {run.EventsPerSecond:N0} events/s ({run.MostInFlight} of {inFlight} batches in flight at most, {run.EventsPerRequest:N0} events per request, {run.FailedAttempts} failed attempts), replicas {result.ReplicasCpuMicrosPerEvent:F1} µs CPU/event ({result.ReplicasCpuMicrosPerEvent * run.EventsPerSecond / 1e6:F2} cores), buffer peak {run.PeakBytes:N0} B"));
            return result;
        }

        // Warm up for at least the given time and until two rounds in a row cost the replicas within 10% of each
        // other (or twice that time has passed): under load their JIT keeps tiering up for minutes.
        var clock = Stopwatch.StartNew();
        var cold = await Measure("first events after start", events / 5, window);
        var previous = cold.ReplicasCpuMicrosPerEvent;
        for (var round = 1; clock.Elapsed < 2 * warmup; round++)
        {
            var cost = (await Measure($"warm-up {round}", events / 5, window)).ReplicasCpuMicrosPerEvent;
            if (clock.Elapsed >= warmup && Math.Abs(cost - previous) <= 0.1 * previous)
            {
                break;
            }

            previous = cost;
        }

        var measured = await Measure("measured", events, window);
        var one = await Measure($"baseline, {baselineWindow} in flight", compareEvents, baselineWindow);
        var again = await Measure("window again", compareEvents, window);
        var clients = new HttpClient[cluster.Count];
        try
        {
            for (var r = 0; r < clients.Length; r++)
            {
                clients[r] = await cluster.CreateClientAsync("acme-writer", r);
            }

            var clef = await DirectAsync(context, cluster, clients, DirectFormat.Clef, compareEvents, window);
            var native = await DirectAsync(context, cluster, clients, DirectFormat.Native, compareEvents, window);
            return new ClusterFigures(cold, measured, one, again, clef, native);
        }
        finally
        {
            foreach (var client in clients)
            {
                client?.Dispose();
            }
        }
    }

    private sealed record ClusterRun(Run Run, double ReplicasCpuMicrosPerEvent);

    private sealed record DirectRun(double EventsPerSecond, double ReplicasCpuMicrosPerEvent);

    private sealed record ClusterFigures(ClusterRun Cold, ClusterRun Measured, ClusterRun Baseline, ClusterRun Again, DirectRun Clef, DirectRun Native);

    private enum DirectFormat
    {
        Clef,
        Native,
    }

    /// <summary>
    /// Posts <paramref name="events"/> of the sink's events in batches of 1,000 without the sink: prepared bodies, the
    /// sink's batch id and sequence headers, <paramref name="window"/> requests at once, request <c>i</c> to front
    /// end <c>i</c> mod 4 as the sink's slots go.
    /// </summary>
    private static async Task<DirectRun> DirectAsync(BenchContext context, LocalCluster cluster, HttpClient[] clients, DirectFormat format, int events, int window)
    {
        const int PerBatch = 1000;
        var source = Guid.NewGuid().ToString("N");
        var bodies = Enumerable.Range(0, Math.Max(1, events / PerBatch)).Select(b => SinkShapedBody(format, (long)b * PerBatch, PerBatch)).ToArray();
        var path = format == DirectFormat.Clef ? "/api/v1/streams/acme/app/clef" : "/api/v1/streams/acme/app/entries";
        var contentType = format == DirectFormat.Clef ? "application/vnd.serilog.clef" : "application/vnd.logservice.batch+json";
        var next = -1;
        var cpu = ReplicasCpu(cluster);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, window).Select(async slot =>
        {
            for (var b = Interlocked.Increment(ref next); b < bodies.Length; b = Interlocked.Increment(ref next))
            {
                using var content = new ByteArrayContent(bodies[b]);
                content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
                var first = (long)b * PerBatch;
                request.Headers.Add("X-LogService-Batch-Id", string.Create(CultureInfo.InvariantCulture, $"{source}:{first}-{first + PerBatch - 1}"));
                request.Headers.Add("X-LogService-Sequence-Start", first.ToString(CultureInfo.InvariantCulture));
                using var response = await clients[slot % clients.Length].SendAsync(request);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"{format} batch {b}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        }));
        var run = new DirectRun(bodies.Length * PerBatch / clock.Elapsed.TotalSeconds, (ReplicasCpu(cluster) - cpu).TotalMicroseconds / (bodies.Length * PerBatch));
        context.Progress.Note(string.Create(CultureInfo.InvariantCulture,
            $"4-replica service, the same events posted as {format} without the sink: {run.EventsPerSecond:N0} events/s, replicas {run.ReplicasCpuMicrosPerEvent:F1} µs CPU/event ({run.ReplicasCpuMicrosPerEvent * run.EventsPerSecond / 1e6:F2} cores)"));
        return run;
    }

    /// <summary>
    /// <paramref name="count"/> events as <see cref="LogEvents"/> logs them, numbered from <paramref name="first"/>: in
    /// CLEF as the sink writes them, or as a native batch with the same fields (<c>renderings</c> for <c>@r</c>).
    /// </summary>
    private static byte[] SinkShapedBody(DirectFormat format, long first, int count)
    {
        var text = new StringBuilder(count * 200);
        var timestamp = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
        const string Template = "Order {OrderId} for {Customer} placed, total {Total:0.00}";
        text.Append(format == DirectFormat.Clef ? "" : "{\"entries\":[");
        for (var i = 0; i < count; i++)
        {
            var n = first + i;
            var total = 129.5m + (n % 100);
            if (format == DirectFormat.Clef)
            {
                text.Append(CultureInfo.InvariantCulture, $"{{\"@t\":\"{timestamp}\",\"@mt\":\"{Template}\",\"@r\":[\"{total:0.00}\"],\"OrderId\":{n},\"Customer\":\"customer-4711\",\"Total\":{total}}}\n");
            }
            else
            {
                text.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture,
                    $"{{\"timestamp\":\"{timestamp}\",\"messageTemplate\":\"{Template}\",\"renderings\":[\"{total:0.00}\"],\"properties\":{{\"OrderId\":{n},\"Customer\":\"customer-4711\",\"Total\":{total}}}}}");
            }
        }

        return Encoding.UTF8.GetBytes(text.Append(format == DirectFormat.Clef ? "" : "]}").ToString());
    }

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

        return new Run(events, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds, clock.Elapsed.TotalSeconds, loggingSeconds, sink.Buffer.PeakBytes, sink.Shipper.MostInFlight, sink.Shipper.FailedAttempts, sink.Shipper.DeliveredBatches);
    }

    /// <summary>A typical application event: a template with three properties, one of them formatted.</summary>
    private static void LogEvents(Logger logger, int events)
    {
        for (var i = 0; i < events; i++)
        {
            logger.Information("Order {OrderId} for {Customer} placed, total {Total:0.00}", i, "customer-4711", 129.5m + i % 100);
        }
    }

    private sealed record Run(int Events, double CpuMicros, double Seconds, double LoggingSeconds, long PeakBytes, int MostInFlight, long FailedAttempts, long Requests)
    {
        public double EventsPerSecond => Events / Seconds;

        public double EventsPerRequest => (double)Events / Math.Max(1, Requests);
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
