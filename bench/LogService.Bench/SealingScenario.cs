using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using LogService.Sealing;
using LogService.Sealing.Merkle;
using LogService.Sealing.Verification;

namespace LogService.Bench;

/// <summary>
/// DESIGN §13 "sealing": Schneier–Kelsey sealing on one thread, full verification on every core, Merkle
/// appends, and the construction's floor in .NET (the same primitives with keys reused) measured in the same run.
/// </summary>
internal sealed class SealingScenario : IBenchScenario
{
    private const int BodySize = 256;
    private const string StreamId = "bench/sealing";

    public string Name => "sealing";

    public Task<JsonObject> RunAsync(BenchContext context)
    {
        var count = context.Quick ? 50_000 : 500_000;
        var rounds = context.Quick ? 6 : 5;
        var progress = context.Progress;
        var metadata = new EntryMetadata(1_700_000_000_000_000, 2, "tenant-a", "cloud-1", "node-7", "svc-payments", "OrderPlaced", 0b01);
        var body = new byte[BodySize];
        RandomNumberGenerator.Fill(body);
        var secret = RandomNumberGenerator.GetBytes(StreamGenesis.SecretSize);

        // Every round measures everything back to back, so the sealing and baseline figures see the same
        // machine load; the best round of each figure is reported.
        progress.Note($"{count:N0} entries of {BodySize} bytes, best of {rounds} rounds");
        double sealRate = 0, batchRate = 0, verifyRate = 0, verifyCpu = double.MaxValue, merkleRate = 0, baselineRate = 0;
        long allocated = 0;
        for (var round = 0; round < rounds; round++)
        {
            var (sealRound, entries, bytes) = Seal(secret, metadata, body, count);
            sealRate = Math.Max(sealRate, sealRound);
            allocated = bytes;
            baselineRate = Math.Max(baselineRate, Baseline(entries[1].Length, count));
            batchRate = Math.Max(batchRate, SealBatched(secret, metadata, body, count));
            var (rate, cpu) = Verify(secret, entries);
            verifyRate = Math.Max(verifyRate, rate);
            verifyCpu = Math.Min(verifyCpu, cpu);
            merkleRate = Math.Max(merkleRate, MerkleAppend(entries));
            progress.Report("rounds", round + 1, rounds);
        }

        return Task.FromResult(new JsonObject
        {
            ["body_bytes"] = BodySize,
            ["entries"] = count,
            ["seal_entries_per_s"] = Stats.Round(sealRate, 0),
            ["seal_batch_entries_per_s"] = Stats.Round(batchRate, 0),
            ["verify_entries_per_s"] = Stats.Round(verifyRate, 0),
            ["verify_cpu_us_per_entry"] = Stats.Round(verifyCpu, 2),
            ["verify_to_baseline_ratio"] = Stats.Round(verifyRate / baselineRate, 2),
            ["merkle_append_per_s"] = Stats.Round(merkleRate, 0),
            ["baseline_entries_per_s"] = Stats.Round(baselineRate, 0),
            ["seal_to_baseline_ratio"] = Stats.Round(sealRate / baselineRate, 2),
            ["seal_allocated_bytes_per_entry"] = Stats.Round(allocated / (double)count, 2),
            ["rounds"] = rounds,
        });
    }

    /// <summary>Seals open + <paramref name="count"/> data entries on this thread into one buffer.</summary>
    private static (double Rate, List<ReadOnlyMemory<byte>> Entries, long Allocated) Seal(byte[] secret, EntryMetadata metadata, byte[] body, int count)
    {
        using var sealer = StreamSealer.Create(StreamId, secret);
        var open = sealer.SealOpen(metadata);
        var length = sealer.GetEncodedLength(metadata, body.Length);
        var buffer = new byte[(long)length * count];
        var before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            sealer.TrySealData(metadata, body, buffer.AsSpan(i * length, length), out _);
        }

        clock.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var entries = new List<ReadOnlyMemory<byte>>(count + 1) { open.Encoded };
        for (var i = 0; i < count; i++)
        {
            entries.Add(buffer.AsMemory(i * length, length));
        }

        return (count / clock.Elapsed.TotalSeconds, entries, allocated);
    }

    /// <summary>Seals in batches of 4,096 on every core.</summary>
    private static double SealBatched(byte[] secret, EntryMetadata metadata, byte[] body, int count)
    {
        const int batchSize = 4096;
        using var sealer = StreamSealer.Create(StreamId, secret);
        sealer.SealOpen(metadata);
        var length = sealer.GetEncodedLength(metadata, body.Length);
        var metadataBatch = Enumerable.Repeat(metadata, batchSize).ToArray();
        var bodies = Enumerable.Repeat((ReadOnlyMemory<byte>)body, batchSize).ToArray();
        var buffer = new byte[length * batchSize];
        var lengths = new int[batchSize];
        var clock = Stopwatch.StartNew();
        for (var done = 0; done < count; done += batchSize)
        {
            sealer.TrySealDataBatch(metadataBatch, bodies, buffer, lengths, out _, Environment.ProcessorCount);
        }

        clock.Stop();
        return count / clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// The floor: AES-256-GCM, HMAC-SHA256 and two SHA-256 over an entry's bytes with every key and context
    /// reused, which the construction cannot do because each entry has its own keys.
    /// </summary>
    private static double Baseline(int entryLength, int count)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        using var aes = new AesGcm(key, 16);
        using var hmac = new HMACSHA256(key);
        var header = new byte[entryLength - BodySize - 84];
        var plaintext = new byte[BodySize];
        var ciphertext = new byte[BodySize];
        var linkInput = new byte[32 + header.Length + BodySize + 16 + 8];
        Span<byte> nonce = stackalloc byte[12];
        Span<byte> tag = stackalloc byte[16];
        Span<byte> digest = stackalloc byte[32];
        Span<byte> mac = stackalloc byte[32];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            nonce[^1] = (byte)i;
            SHA256.HashData(key, digest);
            aes.Encrypt(nonce, plaintext, ciphertext, tag, header);
            SHA256.HashData(linkInput, digest);
            hmac.TryComputeHash(digest, mac, out _);
        }

        clock.Stop();
        return count / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Full verification on every core: entries per second, and process CPU time per entry (which other load on the machine barely moves).</summary>
    private static (double Rate, double CpuMicros) Verify(byte[] secret, List<ReadOnlyMemory<byte>> entries)
    {
        var cpu = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        var report = StreamVerifier.VerifyFull(StreamId, secret, entries);
        clock.Stop();
        var cpuMicros = (Environment.CpuUsage.TotalTime - cpu).TotalMicroseconds / entries.Count;
        return report.IsValid
            ? (entries.Count / clock.Elapsed.TotalSeconds, cpuMicros)
            : throw new InvalidOperationException($"benchmark stream failed verification: {report}");
    }

    private static double MerkleAppend(List<ReadOnlyMemory<byte>> entries)
    {
        var accumulator = new MerkleAccumulator();
        var clock = Stopwatch.StartNew();
        foreach (var entry in entries)
        {
            accumulator.Append(entry.Span);
        }

        clock.Stop();
        return entries.Count / clock.Elapsed.TotalSeconds;
    }
}
