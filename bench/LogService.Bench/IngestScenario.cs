using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using LogService.Testing;

namespace LogService.Bench;

/// <summary>
/// Ingest (issue 5 §8, DESIGN §13): native JSON batches of 1,000 events of about 300 bytes over HTTP into 4 real
/// replica processes on loopback (SQLite sync=full, consensus log synced, receipts of f+1 replicas), from several
/// concurrent writers spread over the replicas' front ends so the pipeline stays full. The same run is made twice, on
/// a fresh deployment each: with the protocol capture into <c>_system/bft</c> on (the default) and off
/// (<c>LogService:Capture:Enabled=false</c>); <c>capture_overhead_pct</c> is the throughput lost to it. Those runs
/// saturate the replicas, so their latencies are mostly the wait behind the other writers' batches; the capture-on
/// deployment then gets a fixed-rate phase (open loop at <c>LOGSERVICE_BENCH_INGEST_RATE</c>, 20,000 entries/s by
/// default) whose latencies are the ones a sender sees at that sustained rate.
/// </summary>
internal sealed class IngestScenario : IBenchScenario
{
    private const int EventsPerBatch = 1_000;
    private const int DefaultWriters = 8;
    private const int DistinctBodies = 16;
    private const string Stream = "acme/app";

    /// <summary>Concurrent writers, each with one batch in flight: more raise the rate until the replicas saturate, fewer cut the wait per batch.</summary>
    private static readonly int Writers =
        int.TryParse(Environment.GetEnvironmentVariable("LOGSERVICE_BENCH_INGEST_WRITERS"), out var writers) && writers > 0 ? writers : DefaultWriters;

    /// <summary>The rate the fixed-rate phase offers, in entries per second (the sustained-rate target by default).</summary>
    private static readonly int OfferedRate =
        int.TryParse(Environment.GetEnvironmentVariable("LOGSERVICE_BENCH_INGEST_RATE"), out var rate) && rate > 0 ? rate : 20_000;

    /// <summary>Set <c>LOGSERVICE_BENCH_INGEST_BACKGROUND=1</c> to execute batches off the protocol thread, for comparison.</summary>
    private static readonly bool InlineExecution = Environment.GetEnvironmentVariable("LOGSERVICE_BENCH_INGEST_BACKGROUND") != "1";

    /// <summary>
    /// Set <c>LOGSERVICE_BENCH_INGEST_FIXED_ONLY=1</c> to run only the capture-on deployment's fixed-rate phase (after
    /// the warm-up), for as long as <c>LOGSERVICE_BENCH_INGEST_FIXED_SECONDS</c> says (default 30).
    /// </summary>
    private static readonly bool FixedRateOnly = Environment.GetEnvironmentVariable("LOGSERVICE_BENCH_INGEST_FIXED_ONLY") == "1";

    private static readonly int FixedRateSeconds =
        int.TryParse(Environment.GetEnvironmentVariable("LOGSERVICE_BENCH_INGEST_FIXED_SECONDS"), out var seconds) && seconds > 0 ? seconds : 30;

    /// <summary>Set <c>LOGSERVICE_BENCH_INGEST_LOG=FILE</c> to append every line the replica processes print to FILE.</summary>
    private static readonly string? ReplicaLog = Environment.GetEnvironmentVariable("LOGSERVICE_BENCH_INGEST_LOG");

    /// <summary>
    /// Set <c>LOGSERVICE_BENCH_INGEST_TIMELINE</c> to a file to get one line per fixed-rate batch (scheduled time in UTC,
    /// as the replica log's lines have it, and in milliseconds from the start; latency in milliseconds, or "failed"): where the tail comes from shows as its pattern over time.
    /// </summary>
    private static readonly string? TimelineFile = Environment.GetEnvironmentVariable("LOGSERVICE_BENCH_INGEST_TIMELINE");

    /// <summary>Set <c>LOGSERVICE_BENCH_INGEST_POOL=N</c> to give each front end N replication clients instead of the default.</summary>
    private static readonly string? ClientPoolSize = Environment.GetEnvironmentVariable("LOGSERVICE_BENCH_INGEST_POOL");

    /// <summary>Batches the fixed-rate phase lets wait before it calls the rate not sustained and stops offering.</summary>
    private const int MaxOutstanding = 256;

    public string Name => "ingest";

    public async Task<JsonObject> RunAsync(BenchContext context)
    {
        // The fixed-rate-only run warms up as long as the full run's closed loop lasts before its fixed-rate phase: the
        // replicas' JIT takes a minute or more to settle, and a rate offered before that measures the warm-up.
        var warmup = TimeSpan.FromSeconds(context.Quick ? 2 : FixedRateOnly ? 70 : 10);
        var measured = TimeSpan.FromSeconds(context.Quick ? 6 : 60);

        // Batches without a batch id are never deduplicated, so a few prepared bodies can be sent again and again and
        // the writers spend their CPU on sending, not on building JSON, on this machine the replicas share.
        var bodies = Enumerable.Range(0, DistinctBodies).Select(i => SampleBatches.Create(IngestFormat.Native, EventsPerBatch, (long)i * EventsPerBatch)).ToArray();
        var figures = new JsonObject
        {
            ["load_average_at_start"] = Stats.LoadAverage(),
            ["events_per_batch"] = EventsPerBatch,
            ["payload_bytes_per_entry"] = bodies[0].Body.Length / EventsPerBatch,
            ["writers"] = Writers,
            ["execution"] = InlineExecution ? "inline" : "background",
            ["measured_seconds"] = measured.TotalSeconds,
        };

        var fixedRate = TimeSpan.FromSeconds(context.Quick ? 5 : FixedRateSeconds);
        if (FixedRateOnly)
        {
            foreach (var (key, value) in await RunOnceAsync(context, bodies, capture: true, warmup, measured: null, fixedRate))
            {
                figures[key] = value;
            }

            return figures;
        }

        var off = await RunOnceAsync(context, bodies, capture: false, warmup, measured, fixedRate: null);
        var on = await RunOnceAsync(context, bodies, capture: true, warmup, measured, fixedRate);
        foreach (var (key, value) in on)
        {
            figures[key] = value;
        }

        foreach (var (key, value) in off.Where(f => !f.Key.StartsWith("fixed_rate_", StringComparison.Ordinal)))
        {
            figures[$"capture_off_{key}"] = value;
        }

        var rateOn = on["entries_per_s"]!.GetValue<double>();
        var rateOff = off["entries_per_s"]!.GetValue<double>();
        figures["capture_overhead_pct"] = Stats.Round(100.0 * (rateOff - rateOn) / rateOff, 1);
        figures["capture_cpu_overhead_pct"] = Stats.Round(100.0 * (on["cpu_us_per_entry_per_replica"]!.GetValue<double>() / off["cpu_us_per_entry_per_replica"]!.GetValue<double>() - 1), 1);
        return figures;
    }

    private static async Task<Dictionary<string, JsonNode?>> RunOnceAsync(BenchContext context, SampleBatch[] bodies, bool capture, TimeSpan warmup, TimeSpan? measured, TimeSpan? fixedRate)
    {
        var label = capture ? "capture on" : "capture off";
        context.Progress.Note($"{label}: starting 4 replicas and the issuers");
        using var log = ReplicaLog is null ? null : new StreamWriter(ReplicaLog, append: true) { AutoFlush = true };
        var settings = new Dictionary<string, string>
        {
            ["LogService:Capture:Enabled"] = capture ? "true" : "false",
            ["LogService:Replica:ExecuteInBackground"] = InlineExecution ? "false" : "true",
        };
        if (ClientPoolSize is not null)
        {
            settings["LogService:Replica:ClientPoolSize"] = ClientPoolSize;
        }

        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Tenants = [new TestTenant("acme")],
            Streams = [Stream],
            ServerSettings = settings,
            Output = log is null ? null : line =>
            {
                lock (log)
                {
                    log.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
                }
            },
        });
        var clients = new HttpClient[cluster.Count];
        for (var r = 0; r < clients.Length; r++)
        {
            clients[r] = await cluster.CreateClientAsync("acme-writer", r);
        }

        try
        {
            // What the replicas burn with nothing to do once started (timers, heartbeats), so the per-entry
            // figure can be read with and without it on a machine where the load is low.
            await Task.Delay(warmup < TimeSpan.FromSeconds(10) ? warmup : TimeSpan.FromSeconds(10));
            var idleBefore = TotalCpu(cluster);
            var idleClock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(3));
            var idleCores = (TotalCpu(cluster) - idleBefore).TotalSeconds / idleClock.Elapsed.TotalSeconds;

            var window = new MeasureWindow();
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteAsync(clients[w % clients.Length], bodies, w, window, stop.Token))).ToArray();

            context.Progress.Note($"{label}: {Writers} writers, warming up {warmup.TotalSeconds:0} s");
            await Task.Delay(warmup);
            var figures = new Dictionary<string, JsonNode?> { ["replica_idle_cpu_cores"] = Stats.Round(idleCores, 3) };
            if (measured is { } closedLoop)
            {
                foreach (var (key, value) in await MeasureClosedLoopAsync(context, cluster, label, window, closedLoop, idleCores))
                {
                    figures[key] = value;
                }
            }

            await stop.CancelAsync();
            await Task.WhenAll(writers);
            if (fixedRate is { } duration)
            {
                var cpuBefore = TotalCpu(cluster);
                var fixedFigures = await OfferFixedRateAsync(context, clients, bodies, duration);
                var acknowledged = fixedFigures["fixed_rate_batches"]!.GetValue<int>() * EventsPerBatch;
                fixedFigures["fixed_rate_cpu_us_per_entry_per_replica"] = acknowledged == 0 ? null : Stats.Round((TotalCpu(cluster) - cpuBefore).TotalMicroseconds / acknowledged / cluster.Count, 2);
                foreach (var (key, value) in fixedFigures)
                {
                    figures[key] = value;
                }
            }

            return figures;
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private static async Task<Dictionary<string, JsonNode?>> MeasureClosedLoopAsync(BenchContext context, LocalCluster cluster, string label, MeasureWindow window, TimeSpan measured, double idleCores)
    {
        var cpuBefore = TotalCpu(cluster);
        window.Open();
        for (var s = 0; s < measured.TotalSeconds; s += 5)
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, measured.TotalSeconds - s)));
            context.Progress.Note(string.Create(CultureInfo.InvariantCulture, $"{label}: {window.Entries:N0} entries in {window.Elapsed.TotalSeconds:F0} s"));
        }

        var (entries, latencies, elapsed) = window.Close();
        var cpu = TotalCpu(cluster) - cpuBefore;
        if (entries == 0)
        {
            throw new InvalidOperationException($"{label}: no batch was acknowledged in the measured window");
        }

        return new Dictionary<string, JsonNode?>
        {
            ["entries_per_s"] = Stats.Round(entries / elapsed.TotalSeconds, 0),
            ["batch_latency_p50_ms"] = Stats.Round(Stats.Percentile(latencies, 0.50), 1),
            ["batch_latency_p99_ms"] = Stats.Round(Stats.Percentile(latencies, 0.99), 1),
            ["cpu_us_per_entry_per_replica"] = Stats.Round(cpu.TotalMicroseconds / entries / cluster.Count, 2),
            ["replica_cpu_cores_used"] = Stats.Round(cpu.TotalSeconds / elapsed.TotalSeconds, 2),
            ["cpu_us_per_entry_per_replica_above_idle"] = Stats.Round((cpu.TotalMicroseconds - (idleCores * elapsed.TotalMicroseconds)) / entries / cluster.Count, 2),
            ["batches"] = latencies.Count,
            ["failed_batches"] = window.Failures,
        };
    }

    private static async Task WriteAsync(HttpClient http, SampleBatch[] bodies, int writer, MeasureWindow window, CancellationToken stop)
    {
        var path = $"/api/v1/streams/{Stream}{bodies[0].Path}";
        for (var i = writer; !stop.IsCancellationRequested; i++)
        {
            var body = bodies[i % bodies.Length];
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var response = await http.PostAsync(path, body.ToContent(), CancellationToken.None);
                var ok = response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync(CancellationToken.None)).Contains("\"signatures\"", StringComparison.Ordinal);
                window.Record(ok ? body.Count : -1, Stopwatch.GetElapsedTime(started));
            }
            catch (HttpRequestException)
            {
                window.Record(-1, Stopwatch.GetElapsedTime(started));
            }
        }
    }

    /// <summary>
    /// Open loop: batches leave on a fixed schedule (<see cref="OfferedRate"/> entries/s, spread over the front ends)
    /// whether or not earlier ones are answered, and each latency counts from the batch's scheduled time, so a
    /// stall shows in the latencies of every batch it delays instead of slowing the offer down. This is the
    /// sustained-rate figure: the rate is held if what is acknowledged keeps up with what is offered.
    /// </summary>
    private static async Task<Dictionary<string, JsonNode?>> OfferFixedRateAsync(BenchContext context, HttpClient[] clients, SampleBatch[] bodies, TimeSpan duration)
    {
        var path = $"/api/v1/streams/{Stream}{bodies[0].Path}";
        var interval = TimeSpan.FromSeconds((double)EventsPerBatch / OfferedRate);
        var batches = (int)(duration / interval);
        var latencies = new List<double>(batches);
        var timeline = new List<(double Due, double? Latency)>(batches);
        var outstanding = new List<Task>();
        long acknowledged = 0;
        var failed = 0;
        var failuresShown = 0;
        var peak = 0;
        var sustained = true;
        context.Progress.Note(string.Create(CultureInfo.InvariantCulture, $"fixed rate: offering {OfferedRate:N0} entries/s for {duration.TotalSeconds:0} s"));
        var start = Stopwatch.GetTimestamp();
        var startedAt = DateTime.UtcNow;
        for (var i = 0; i < batches; i++)
        {
            var due = interval * i;
            var wait = due - Stopwatch.GetElapsedTime(start);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            outstanding.RemoveAll(t => t.IsCompleted);
            peak = Math.Max(peak, outstanding.Count);
            if (outstanding.Count >= MaxOutstanding)
            {
                sustained = false;
                break;
            }

            var body = bodies[i % bodies.Length];
            var http = clients[i % clients.Length];
            outstanding.Add(Task.Run(async () =>
            {
                var ok = false;
                string? failure = null;
                try
                {
                    using var response = await http.PostAsync(path, body.ToContent(), CancellationToken.None);
                    var text = await response.Content.ReadAsStringAsync(CancellationToken.None);
                    ok = response.IsSuccessStatusCode && text.Contains("\"signatures\"", StringComparison.Ordinal);
                    failure = ok ? null : $"{(int)response.StatusCode} {text[..Math.Min(200, text.Length)]}";
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    failure = e.Message;
                }

                if (failure is not null && Interlocked.Increment(ref failuresShown) <= 3)
                {
                    context.Progress.Note($"fixed rate: a batch failed: {failure}");
                }

                var latency = (Stopwatch.GetElapsedTime(start) - due).TotalMilliseconds;
                lock (latencies)
                {
                    timeline.Add((due.TotalMilliseconds, ok ? latency : null));
                    if (ok)
                    {
                        latencies.Add(latency);
                        acknowledged += body.Count;
                    }
                    else
                    {
                        failed++;
                    }
                }
            }));
            if (i % (batches / 6 + 1) == 0)
            {
                context.Progress.Report("fixed rate", i, batches);
            }
        }

        await Task.WhenAll(outstanding);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var achieved = acknowledged / elapsed.TotalSeconds;
        if (TimelineFile is not null)
        {
            await File.WriteAllLinesAsync(TimelineFile, timeline.OrderBy(b => b.Due).Select(b => string.Create(CultureInfo.InvariantCulture,
                $"{startedAt.AddMilliseconds(b.Due):HH:mm:ss.fff} {b.Due:0.0} {(b.Latency is { } ms ? ms.ToString("0.0", CultureInfo.InvariantCulture) : "failed")}")));
        }

        return new Dictionary<string, JsonNode?>
        {
            ["fixed_rate_offered_entries_per_s"] = OfferedRate,
            ["fixed_rate_entries_per_s"] = Stats.Round(achieved, 0),
            // Held: every batch acknowledged, the backlog never ran away, and the acknowledgements kept pace (the
            // last batches' latency stretches the elapsed time a little, hence 98%).
            ["fixed_rate_sustained"] = sustained && failed == 0 && achieved >= 0.98 * OfferedRate,
            ["fixed_rate_batch_latency_p50_ms"] = latencies.Count == 0 ? null : Stats.Round(Stats.Percentile(latencies, 0.50), 1),
            ["fixed_rate_batch_latency_p99_ms"] = latencies.Count == 0 ? null : Stats.Round(Stats.Percentile(latencies, 0.99), 1),
            ["fixed_rate_batches"] = latencies.Count,
            ["fixed_rate_failed_batches"] = failed,
            ["fixed_rate_peak_outstanding_batches"] = peak,
        };
    }

    private static TimeSpan TotalCpu(LocalCluster cluster) =>
        Enumerable.Range(0, cluster.Count).Aggregate(TimeSpan.Zero, (sum, r) => sum + cluster.CpuTime(r));

    /// <summary>Counts acknowledged entries and batch latencies of batches that complete while the window is open.</summary>
    private sealed class MeasureWindow
    {
        private readonly object _gate = new();
        private readonly List<double> _latencies = [];
        private long _opened;
        private bool _open;
        private long _entries;

        public long Entries => Interlocked.Read(ref _entries);

        public int Failures { get; private set; }

        public TimeSpan Elapsed => _open ? Stopwatch.GetElapsedTime(_opened) : TimeSpan.Zero;

        public void Open()
        {
            lock (_gate)
            {
                _opened = Stopwatch.GetTimestamp();
                _open = true;
            }
        }

        public void Record(int entries, TimeSpan latency)
        {
            lock (_gate)
            {
                if (!_open)
                {
                    return;
                }

                if (entries < 0)
                {
                    Failures++;
                    return;
                }

                _entries += entries;
                _latencies.Add(latency.TotalMilliseconds);
            }
        }

        public (long Entries, List<double> Latencies, TimeSpan Elapsed) Close()
        {
            lock (_gate)
            {
                _open = false;
                return (_entries, [.. _latencies], Stopwatch.GetElapsedTime(_opened));
            }
        }
    }
}
