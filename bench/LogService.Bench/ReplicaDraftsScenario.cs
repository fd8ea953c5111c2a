using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using LogService.Core.Commands;
using LogService.Core.Entries;
using LogService.Core.Replica;
using LogService.Sealing;
using LogService.Sealing.Crypto;
using LogService.Server.Ingestion;

namespace LogService.Bench;

/// <summary>
/// What each replica spends on an append command's drafts, per entry: decoding the replicated command, checking its
/// 1,000 drafts of about 300 bytes of JSON each (the <c>ingest</c> benchmark's events) and sealing them. Paths measured
/// in the same run, alternating round by round: <c>current</c>, the Log Core's (<see cref="DraftBatch"/>: the drafts'
/// bytes validated and sealed as they stand, the MACs of every eight entries computed side by side), and
/// <c>previous</c>, the Log Core's before: every draft decoded into objects, each body copied into a new array to append
/// the source sequence, and entries sealed one at a time. Both seal with today's sealer, whose hash link goes to
/// libcrypto directly; the previous sealer's went through the platform's SHA-256, so the two link hashes are measured
/// alone over the same messages and <c>previous_with_platform_link</c> adds the difference. Figures are process CPU
/// per entry (GC included), the median of seven rounds.
/// </summary>
internal sealed class ReplicaDraftsScenario : IBenchScenario
{
    private const int Rounds = 7;
    private const long Timestamp = 1_763_733_600_000_000;

    public string Name => "replica-drafts";

    public Task<JsonObject> RunAsync(BenchContext context)
    {
        var seconds = context.Quick ? 8.0 : 40.0;
        var batch = IngestParseScenario.NativeBatch(DateTimeOffset.UtcNow);
        var parsed = IngestFormats.Native(new IngestLimits(), TimeProvider.System).Parse(Encoding.UTF8.GetBytes(batch));
        var drafts = parsed.Entries.Select(EntryCodec.EncodeDraft).ToArray();
        var writer = new WriterIdentity("tenant-a", "cloud-1", "web-1", "svc-shop");
        var command = LogCommandCodec.Encode(new AppendEntriesCommand("tenant-a/orders", writer, "bench-1", 1, [.. drafts]));
        var count = drafts.Length;

        // The previous path found each body's start while decoding; the offsets are the same, so they are taken once here.
        var bodyOffsets = drafts.Select(d => EntryCodec.ValidateDraft(d).BodyOffset).ToArray();
        var secret = RandomNumberGenerator.GetBytes(StreamGenesis.SecretSize);
        var paths = new (string Name, Func<byte[][]> Run)[]
        {
            ("previous", Sealer(secret, sealer => () => DecodeAndSeal(command, bodyOffsets, sealer))),
            ("current", Sealer(secret, sealer => () => ValidateAndSeal(command, sealer))),
            ("previous_decode_only", () => DecodeOnly(command)),
            ("current_decode_only", () => ValidateOnly(command)),
        };

        var first = paths[0].Run();
        if (!first.Zip(paths[1].Run()).All(pair => pair.First.Length == pair.Second.Length))
        {
            throw new InvalidOperationException("the two paths sealed entries of different lengths");
        }

        // Each entry's hash link, alone: the platform's SHA-256 (the previous sealer's) against libcrypto's low-level one,
        // over messages of the link's size (the entry without its link and MAC).
        var digest = new byte[32];
        paths =
        [
            .. paths,
            ("link_platform_sha256", () => HashEach(first, m => SHA256.HashData(m, digest))),
            ("link_libcrypto_sha256", () => HashEach(first, m => LibcryptoSha256.HashData(m, digest))),
        ];

        context.Progress.Note($"{count:N0} drafts of {drafts.Average(d => d.Length):F0} bytes in a {command.Length:N0}-byte command, {Rounds} alternating rounds");
        var samples = paths.ToDictionary(p => p.Name, _ => new List<(double Cpu, double Bytes)>());
        foreach (var (_, run) in paths)
        {
            Repeat(run, seconds / Rounds / paths.Length);
        }

        using var process = Process.GetCurrentProcess();
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var (name, run) in paths)
            {
                samples[name].Add(Measure(process, run, seconds / Rounds / paths.Length));
            }

            context.Progress.Report("rounds", round + 1, Rounds);
        }

        var figures = new JsonObject { ["entries_per_batch"] = count, ["draft_bytes_per_entry"] = Math.Round(drafts.Average(d => d.Length)) };
        foreach (var (name, _) in paths)
        {
            var median = samples[name].OrderBy(s => s.Cpu).ElementAt(Rounds / 2);
            figures[$"{name}_cpu_us_per_entry"] = Stats.Round(median.Cpu / count, 2);
            figures[$"{name}_alloc_bytes_per_entry"] = Math.Round(median.Bytes / count);
        }

        var platformLinkExtra = (Median(samples["link_platform_sha256"]) - Median(samples["link_libcrypto_sha256"])) / count;
        var previousAsShipped = (Median(samples["previous"]) / count) + platformLinkExtra;
        figures["previous_with_platform_link_cpu_us_per_entry"] = Stats.Round(previousAsShipped, 2);
        figures["current_to_previous_with_platform_link_ratio"] = Stats.Round(Median(samples["current"]) / count / previousAsShipped, 3);
        figures["current_to_previous_ratio"] = Stats.Round(Median(samples["current"]) / Median(samples["previous"]), 3);
        figures["decode_current_to_previous_ratio"] = Stats.Round(Median(samples["current_decode_only"]) / Median(samples["previous_decode_only"]), 3);
        figures["load_average"] = Stats.LoadAverage();
        return Task.FromResult(figures);
    }

    /// <summary>The previous path: every draft decoded into objects, each body copied into a new array with its sequence.</summary>
    private static byte[][] DecodeAndSeal(byte[] encodedCommand, int[] bodyOffsets, StreamSealer sealer)
    {
        var command = (AppendEntriesCommand)LogCommandCodec.Decode(encodedCommand);
        var drafts = command.Drafts.Select(d => EntryCodec.DecodeDraft(d.Span)).ToArray();
        var sealedEntries = new byte[drafts.Length][];
        for (var i = 0; i < drafts.Length; i++)
        {
            var encoded = command.Drafts[i];
            var body = new byte[encoded.Length - bodyOffsets[i] + 9];
            encoded.Span[bodyOffsets[i]..].CopyTo(body);
            body[^9] = 1;
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(body.Length - 8), drafts[i].Sequence!.Value);
            var metadata = Metadata(command, (byte)drafts[i].Level, drafts[i].EventType.ToString("x8", CultureInfo.InvariantCulture));
            sealedEntries[i] = Seal(sealer, metadata, body);
        }

        return sealedEntries;
    }

    /// <summary>The current path, as <c>LogCoreStateMachine.Append</c> runs it.</summary>
    private static byte[][] ValidateAndSeal(byte[] encodedCommand, StreamSealer sealer)
    {
        var command = (AppendEntriesCommand)LogCommandCodec.Decode(encodedCommand);
        return DraftBatch.Check(command.Drafts).Seal(sealer, Timestamp, command.Writer.Tenant, command.Writer, command.PermissionMask, out _);
    }

    private static byte[][] DecodeOnly(byte[] encodedCommand)
    {
        var command = (AppendEntriesCommand)LogCommandCodec.Decode(encodedCommand);
        GC.KeepAlive(command.Drafts.Select(d => EntryCodec.DecodeDraft(d.Span)).ToArray());
        return [];
    }

    private static byte[][] ValidateOnly(byte[] encodedCommand)
    {
        var command = (AppendEntriesCommand)LogCommandCodec.Decode(encodedCommand);
        GC.KeepAlive(DraftBatch.Check(command.Drafts));
        return [];
    }

    private static byte[][] HashEach(byte[][] entries, SpanAction hash)
    {
        foreach (var entry in entries)
        {
            hash(entry.AsSpan(0, entry.Length - 64));
        }

        return [];
    }

    private delegate void SpanAction(ReadOnlySpan<byte> message);

    private static EntryMetadata Metadata(AppendEntriesCommand command, byte level, string eventType) =>
        new(Timestamp, level, command.Writer.Tenant, command.Writer.Cloud, command.Writer.Node, command.Writer.User, eventType, command.PermissionMask);

    private static byte[] Seal(StreamSealer sealer, in EntryMetadata metadata, ReadOnlySpan<byte> body)
    {
        var sealedBytes = new byte[sealer.GetEncodedLength(metadata, body.Length)];
        sealer.TrySealData(metadata, body, sealedBytes, out _);
        return sealedBytes;
    }

    /// <summary>A path that seals with its own stream, opened once; the chain simply continues from call to call.</summary>
    private static Func<byte[][]> Sealer(byte[] secret, Func<StreamSealer, Func<byte[][]>> path)
    {
        var sealer = StreamSealer.Create("tenant-a/orders", secret);
        sealer.SealOpen(new EntryMetadata(0, 2, "tenant-a", "", "", "", "", 0));
        return path(sealer);
    }

    private static void Repeat(Func<byte[][]> run, double seconds)
    {
        var clock = Stopwatch.StartNew();
        for (var calls = 0; calls < 20 || clock.Elapsed.TotalSeconds < seconds; calls++)
        {
            run();
        }
    }

    /// <summary>Process CPU and allocated bytes per call over about <paramref name="seconds"/>.</summary>
    private static (double Cpu, double Bytes) Measure(Process process, Func<byte[][]> run, double seconds)
    {
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var calls = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            run();
            calls++;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        process.Refresh();
        return ((process.TotalProcessorTime - cpuBefore).TotalMicroseconds / calls, allocated / (double)calls);
    }

    private static double Median(List<(double Cpu, double Bytes)> samples) => samples.OrderBy(s => s.Cpu).ElementAt(samples.Count / 2).Cpu;
}
