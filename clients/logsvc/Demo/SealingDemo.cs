using System.Text;
using LogService.Sealing;
using LogService.Sealing.Merkle;
using LogService.Sealing.Verification;

namespace LogService.Cli.Demo;

/// <summary>
/// The sealing demo: one stream sealed end to end, then copies of it tampered with in the three ways an
/// attacker with disk access would try (edit, delete, cut the tail), each verified from A_0.
/// </summary>
internal static class SealingDemo
{
    public const int DefaultDataEntries = 1000;
    public const int MinimumDataEntries = 100;
    private const int CheckpointEvery = 100;
    private const string StreamId = "demo-tenant/payments";
    private const long StartMicros = 1_763_700_000_000_000;

    public static DemoResult Run(int dataEntries, IRandomSource random)
    {
        var secret = StreamGenesis.GenerateInitialSecret(random);
        var entries = Seal(secret, dataEntries);
        var head = SealedEntry.Decode(entries[^1]).Link;
        var known = new KnownHead(entries.Count, head);

        var editAt = entries.Count * 417 / 1000;
        var deleteAt = entries.Count * 6 / 10;
        var cutTo = entries.Count - 50;
        var outcomes = new List<DemoOutcome>
        {
            Verify("intact", "nothing", entries, secret, known, null),
            Verify("edited", $"one byte of entry {editAt}'s encrypted body flipped", Flip(entries, editAt), secret, known, (editAt, VerificationFailure.BrokenLink)),
            Verify("deleted", $"entry {deleteAt} removed", Without(entries, deleteAt), secret, known, (deleteAt, VerificationFailure.Gap)),
            Verify("truncated", $"last {entries.Count - cutTo} entries cut off", entries.Take(cutTo).ToList(), secret, known, (cutTo, VerificationFailure.Truncated)),
        };

        var tree = new MerkleTree();
        foreach (var entry in entries)
        {
            tree.Append(entry.Span);
        }

        var root = tree.Root(tree.Size);
        var proof = tree.InclusionProof(editAt, tree.Size);
        var holds = MerkleProof.VerifyInclusion(MerkleHash.HashLeaf(entries[editAt].Span), editAt, tree.Size, proof, root);
        return new DemoResult(StreamId, entries.Count, head, root, editAt, proof.Count, holds, outcomes);
    }

    private static List<ReadOnlyMemory<byte>> Seal(byte[] secret, int dataEntries)
    {
        var entries = new List<ReadOnlyMemory<byte>>();
        using var sealer = StreamSealer.Create(StreamId, secret);
        entries.Add(sealer.SealOpen(Metadata(0, PermissionMasks.Everyone)).Encoded);
        for (var i = 1; i <= dataEntries; i++)
        {
            var body = Encoding.UTF8.GetBytes($"{{\"template\":\"Payment {{PaymentId}} settled\",\"PaymentId\":{i}}}");
            entries.Add(sealer.SealData(Metadata(sealer.NextSequence, i % 5 == 0 ? 0b10UL : 0b01UL), body).Encoded);
            if (i % CheckpointEvery == 0)
            {
                entries.Add(sealer.SealCheckpoint(Metadata(sealer.NextSequence, PermissionMasks.Everyone)).Encoded);
            }
        }

        entries.Add(sealer.SealClose(Metadata(sealer.NextSequence, PermissionMasks.Everyone)).Encoded);
        return entries;
    }

    private static EntryMetadata Metadata(long sequence, ulong mask) =>
        new(StartMicros + (sequence * 1000), (byte)(sequence % 4 == 0 ? 3 : 2), "demo-tenant", "cloud-a", "node-1", "payments-api", "PaymentSettled", mask);

    private static DemoOutcome Verify(
        string name, string tampering, List<ReadOnlyMemory<byte>> entries, byte[] secret, KnownHead known, (int Position, VerificationFailure Failure)? expected)
    {
        var report = StreamVerifier.VerifyFull(StreamId, secret, entries, new VerificationOptions { KnownHead = known, RequireClosed = true });
        var asExpected = expected is null
            ? report.IsValid
            : report.FirstFailure is { } finding && finding.Position == expected.Value.Position && finding.Failure == expected.Value.Failure;
        return new DemoOutcome(name, tampering, report, asExpected);
    }

    private static List<ReadOnlyMemory<byte>> Flip(List<ReadOnlyMemory<byte>> entries, int position)
    {
        var copy = entries.ToList();
        var bytes = copy[position].ToArray();
        var entry = SealedEntry.Decode(bytes);
        var ciphertextStart = bytes.Length - entry.Mac.Length - entry.Link.Length - entry.Tag.Length - entry.Ciphertext.Length;
        bytes[ciphertextStart + 5] ^= 0x04;
        copy[position] = bytes;
        return copy;
    }

    private static List<ReadOnlyMemory<byte>> Without(List<ReadOnlyMemory<byte>> entries, int position)
    {
        var copy = entries.ToList();
        copy.RemoveAt(position);
        return copy;
    }
}

/// <summary>What the demo did and found.</summary>
internal sealed record DemoResult(
    string StreamId,
    int EntryCount,
    ReadOnlyMemory<byte> Head,
    byte[] MerkleRoot,
    int ProvenEntry,
    int InclusionProofLength,
    bool InclusionProofHolds,
    IReadOnlyList<DemoOutcome> Outcomes);

/// <summary>One copy of the stream: how it was tampered with and what verification reported.</summary>
internal sealed record DemoOutcome(string Name, string Tampering, VerificationReport Report, bool AsExpected);
