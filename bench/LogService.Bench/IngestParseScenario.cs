using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LogService.Core.Entries;
using LogService.Server.Ingestion;

namespace LogService.Bench;

/// <summary>
/// Parse cost per entry of each ingestion format on batches of 1,000 events of about 300 bytes, the shape of
/// the <c>ingest</c> benchmark's requests, plus the cost of encoding the drafts. Baseline: a bare
/// <see cref="JsonDocument"/> parse of the same native batch, i.e. what reading the JSON alone costs.
/// Figures are CPU time of the process per entry (GC included), which stays meaningful when other work
/// shares the cores; wall-clock figures are reported beside them.
/// </summary>
internal sealed class IngestParseScenario : IBenchScenario
{
    private const int EventsPerBatch = 1000;

    public string Name => "ingest-parse";

    public Task<JsonObject> RunAsync(BenchContext context)
    {
        var seconds = context.Quick ? 1.5 : 6.0;
        var clock = TimeProvider.System;
        var limits = new IngestLimits();
        var now = clock.GetUtcNow();
        var formats = new (string Name, IIngestFormat Format, byte[] Payload)[]
        {
            ("native", IngestFormats.Native(limits, clock), Encoding.UTF8.GetBytes(NativeBatch(now))),
            ("clef", IngestFormats.Clef(limits, clock), Encoding.UTF8.GetBytes(Clef(now))),
            ("serilog_http", IngestFormats.SerilogHttp(limits, clock), Encoding.UTF8.GetBytes(SinkHttpNormal(now))),
            ("otlp", IngestFormats.OtlpJson(limits, clock), Encoding.UTF8.GetBytes(Otlp(now))),
        };

        var figures = new JsonObject { ["events_per_batch"] = EventsPerBatch };
        foreach (var (name, format, payload) in formats)
        {
            var (micros, wallMicros, bytes) = Measure(seconds, () =>
            {
                var result = format.Parse(payload);
                if (!result.IsSuccess)
                {
                    throw new InvalidOperationException($"{name} sample rejected: {result.Error}");
                }
            });
            figures[$"{name}_cpu_us_per_entry"] = Stats.Round(micros / EventsPerBatch, 2);
            figures[$"{name}_wall_us_per_entry"] = Stats.Round(wallMicros / EventsPerBatch, 2);
            figures[$"{name}_alloc_bytes_per_entry"] = Math.Round(bytes / EventsPerBatch);
            figures[$"{name}_payload_bytes_per_entry"] = payload.Length / EventsPerBatch;
            context.Progress.Note(string.Create(CultureInfo.InvariantCulture, $"{name}: {micros / EventsPerBatch:F2} µs CPU/entry, {bytes / EventsPerBatch:F0} B allocated/entry"));
        }

        var drafts = formats[0].Format.Parse(formats[0].Payload).Entries;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1 << 20);
        var (encodeMicros, _, _) = Measure(seconds, () =>
        {
            buffer.ResetWrittenCount();
            foreach (var draft in drafts)
            {
                EntryCodec.EncodeDraft(draft, buffer);
            }
        });
        figures["encode_draft_cpu_us_per_entry"] = Stats.Round(encodeMicros / EventsPerBatch, 2);

        var (baselineMicros, _, _) = Measure(seconds, () =>
        {
            using var document = JsonDocument.Parse(formats[0].Payload);
        });
        figures["baseline_jsondocument_cpu_us_per_entry"] = Stats.Round(baselineMicros / EventsPerBatch, 2);
        return Task.FromResult(figures);
    }

    /// <summary>
    /// Process CPU and wall microseconds and allocated bytes per call: the median of five rounds, after a warm-up
    /// of at least 100 calls and as long as the measurement, so tiered compilation (whose background work counts
    /// as process CPU) has finished before anything is counted.
    /// </summary>
    private static (double CpuMicros, double WallMicros, double Bytes) Measure(double seconds, Action action)
    {
        var warmUp = Stopwatch.StartNew();
        for (var calls = 0; calls < 100 || warmUp.Elapsed.TotalSeconds < seconds; calls++)
        {
            action();
        }

        var rounds = new List<(double Cpu, double Wall, double Bytes)>();
        using var process = Process.GetCurrentProcess();
        for (var round = 0; round < 5; round++)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            var calls = 0;
            while (clock.Elapsed.TotalSeconds < seconds / 5)
            {
                action();
                calls++;
            }

            var wall = clock.Elapsed;
            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpuBefore;
            rounds.Add((cpu.TotalMicroseconds / calls, wall.TotalMicroseconds / calls, allocated / (double)calls));
        }

        return rounds.OrderBy(r => r.Cpu).ElementAt(rounds.Count / 2);
    }

    private static string Time(DateTimeOffset now, int i) => now.AddMilliseconds(-i).UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    internal static string NativeBatch(DateTimeOffset now) =>
        "{\"batchId\":\"bench-1\",\"source\":{\"application\":\"shop\",\"node\":\"web-1\"},\"sequenceStart\":0,\"entries\":["
        + string.Join(",", Enumerable.Range(0, EventsPerBatch).Select(i =>
            $"{{\"timestamp\":\"{Time(now, i)}\",\"level\":\"Information\",\"messageTemplate\":\"Order {{OrderId}} for {{Customer}} shipped in {{Elapsed}} ms\",\"renderedMessage\":\"Order {i} for \\\"c-{i % 97}\\\" shipped in 12.5 ms\",\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"spanId\":\"00f067aa0ba902b7\",\"properties\":{{\"OrderId\":{i},\"Customer\":\"c-{i % 97}\",\"Elapsed\":12.5,\"Region\":\"eu-west\"}}}}"))
        + "]}";

    private static string Clef(DateTimeOffset now) =>
        string.Join("\n", Enumerable.Range(0, EventsPerBatch).Select(i =>
            $"{{\"@t\":\"{Time(now, i)}\",\"@mt\":\"Order {{OrderId}} for {{Customer}} shipped in {{Elapsed}} ms\",\"@m\":\"Order {i} for \\\"c-{i % 97}\\\" shipped in 12.5 ms\",\"@tr\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"@sp\":\"00f067aa0ba902b7\",\"OrderId\":{i},\"Customer\":\"c-{i % 97}\",\"Elapsed\":12.5,\"Region\":\"eu-west\",\"MachineName\":\"web-1\"}}"));

    private static string SinkHttpNormal(DateTimeOffset now) =>
        "[" + string.Join(",", Enumerable.Range(0, EventsPerBatch).Select(i =>
            $"{{\"Timestamp\":\"{now.AddMilliseconds(-i).ToOffset(TimeSpan.FromHours(1)).ToString("o", CultureInfo.InvariantCulture)}\",\"Level\":\"Information\",\"MessageTemplate\":\"Order {{OrderId}} for {{Customer}} shipped in {{Elapsed}} ms\",\"RenderedMessage\":\"Order {i} for \\\"c-{i % 97}\\\" shipped in 12.5 ms\",\"Properties\":{{\"OrderId\":{i},\"Customer\":\"c-{i % 97}\",\"Elapsed\":12.5,\"Region\":\"eu-west\",\"MachineName\":\"web-1\"}}}}"))
        + "]";

    private static string Otlp(DateTimeOffset now)
    {
        var nanos = EntryBody.ToUnixMicros(now) * 1000;
        var records = Enumerable.Range(0, EventsPerBatch).Select(i =>
            $"{{\"timeUnixNano\":\"{nanos - (i * 1_000_000L)}\",\"severityNumber\":9,\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"spanId\":\"00f067aa0ba902b7\",\"body\":{{\"stringValue\":\"Order {i} for c-{i % 97} shipped in 12.5 ms\"}},\"attributes\":[{{\"key\":\"OrderId\",\"value\":{{\"intValue\":\"{i}\"}}}},{{\"key\":\"Customer\",\"value\":{{\"stringValue\":\"c-{i % 97}\"}}}},{{\"key\":\"Elapsed\",\"value\":{{\"doubleValue\":12.5}}}}]}}");
        return "{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"shop\"}}]},\"scopeLogs\":[{\"scope\":{\"name\":\"Shop\"},\"logRecords\":["
            + string.Join(",", records) + "]}]}]}";
    }
}
