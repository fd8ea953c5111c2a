using System.Text;
using LogService.Sealing;

namespace LogService.Sealing.Tests.Support;

/// <summary>A sealed stream built for tests: its secret, its entries' encodings, and helpers to tamper with copies.</summary>
internal sealed class TestStream
{
    public const ulong Audit = 0b01;
    public const ulong Debug = 0b10;

    private TestStream(string streamId, byte[] initialSecret, List<ReadOnlyMemory<byte>> entries)
    {
        StreamId = streamId;
        InitialSecret = initialSecret;
        Entries = entries;
    }

    public string StreamId { get; }

    public byte[] InitialSecret { get; }

    /// <summary>Open entry, then data entries (a checkpoint every 10), then the close entry when closed.</summary>
    public List<ReadOnlyMemory<byte>> Entries { get; }

    public ReadOnlyMemory<byte> Head => SealedEntry.Decode(Entries[^1]).Link;

    /// <summary>Builds a stream with <paramref name="dataEntries"/> data entries alternating between the audit and debug masks.</summary>
    public static TestStream Build(int dataEntries = 30, string streamId = "tenant-a/app", int seed = 1, bool close = true)
    {
        var secret = StreamGenesis.GenerateInitialSecret(new DeterministicRandom(seed));
        var entries = new List<ReadOnlyMemory<byte>>();
        using var sealer = StreamSealer.Create(streamId, secret);
        entries.Add(sealer.SealOpen(Metadata(0, Audit)).Encoded);
        for (var i = 1; i <= dataEntries; i++)
        {
            var mask = i % 2 == 0 ? Debug : Audit;
            entries.Add(sealer.SealData(Metadata(i, mask), Body(i)).Encoded);
            if (i % 10 == 0)
            {
                entries.Add(sealer.SealCheckpoint(Metadata(i, Audit)).Encoded);
            }
        }

        if (close)
        {
            entries.Add(sealer.SealClose(Metadata(dataEntries + 1, Audit)).Encoded);
        }

        return new TestStream(streamId, secret, entries);
    }

    public static EntryMetadata Metadata(long i, ulong mask) =>
        new(1_700_000_000_000_000 + i, (byte)(i % 6), "tenant-a", "cloud-1", "node-7", "svc-payments", "OrderPlaced", mask);

    public static byte[] Body(int i) => Encoding.UTF8.GetBytes($"{{\"order\":{i},\"message\":\"order {i} placed\"}}");

    /// <summary>A copy of the entries, each entry's bytes copied too, so tampering never touches the original.</summary>
    public List<ReadOnlyMemory<byte>> Copy() => Entries.Select(e => (ReadOnlyMemory<byte>)e.ToArray()).ToList();

    public List<ReadOnlyMemory<byte>> WithFlippedByte(int position, int byteIndex)
    {
        var copy = Copy();
        var bytes = copy[position].ToArray();
        bytes[byteIndex] ^= 0x01;
        copy[position] = bytes;
        return copy;
    }
}
