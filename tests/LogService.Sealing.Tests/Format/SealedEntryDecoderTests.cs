using LogService.Sealing.Escrow;
using LogService.Sealing.Merkle;
using LogService.Sealing.Tests.Support;
using LogService.Sealing.Verification;

namespace LogService.Sealing.Tests.Format;

/// <summary>The decoders meet hostile bytes: they either decode or throw <see cref="SealedEntryFormatException"/>.</summary>
public sealed class SealedEntryDecoderTests
{
    private readonly TestStream _stream = TestStream.Build(dataEntries: 12);

    [Fact]
    public void RandomBytesNeverCrashTheDecoders()
    {
        var random = new Random(1234);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            AssertOnlyFormatErrors(bytes);
        }
    }

    [Fact]
    public void MutatedEntriesNeverCrashTheDecoderOrTheVerifier()
    {
        var random = new Random(99);
        for (var i = 0; i < 5_000; i++)
        {
            var entries = _stream.Copy();
            var position = random.Next(entries.Count);
            var bytes = entries[position].ToArray().ToList();
            for (var edits = random.Next(1, 4); edits > 0; edits--)
            {
                switch (random.Next(3))
                {
                    case 0 when bytes.Count > 0:
                        bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                        break;
                    case 1 when bytes.Count > 0:
                        bytes.RemoveAt(random.Next(bytes.Count));
                        break;
                    default:
                        bytes.Insert(random.Next(bytes.Count + 1), (byte)random.Next(256));
                        break;
                }
            }

            entries[position] = bytes.ToArray();
            AssertOnlyFormatErrors(bytes.ToArray());
            var report = StreamVerifier.VerifyFull(_stream.StreamId, _stream.InitialSecret, entries);
            if (!report.IsValid)
            {
                Assert.Equal(position, report.FirstFailure!.Position);
            }
        }
    }

    [Fact]
    public void TrailingBytesAreNotCanonical()
    {
        var bytes = _stream.Entries[1].ToArray().Append((byte)0).ToArray();

        Assert.Throws<SealedEntryFormatException>(() => SealedEntry.Decode(bytes));
    }

    [Fact]
    public void ADecodedEntryExposesItsHeaderAndParts()
    {
        var entry = SealedEntry.Decode(_stream.Entries[1]);

        Assert.Equal(TestStream.Body(1).Length, entry.Ciphertext.Length);
        Assert.Equal(16, entry.Tag.Length);
        Assert.Equal(("tenant-a/app", 1L, EntryKind.Data, TestStream.Audit), (entry.Header.StreamId, entry.Header.Sequence, entry.Header.Kind, entry.Header.PermissionMask));
    }

    private static void AssertOnlyFormatErrors(byte[] bytes)
    {
        Decode(() => SealedEntry.Decode(bytes));
        Decode(() => SealerState.Decode(bytes));
        Decode(() => ReleasedKeys.Decode(bytes));
        Decode(() => ShamirShare.Decode(bytes));
        Decode(() => MerkleAccumulator.Deserialize(bytes));
    }

    private static void Decode(Action decode)
    {
        try
        {
            decode();
        }
        catch (SealedEntryFormatException)
        {
        }
    }
}
