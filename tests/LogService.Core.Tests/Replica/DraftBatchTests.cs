using System.Globalization;
using LogService.Core.Commands;
using LogService.Core.Entries;
using LogService.Core.Replica;
using LogService.Core.Tests.Entries;
using LogService.Sealing;

namespace LogService.Core.Tests.Replica;

public class DraftBatchTests
{
    private static readonly WriterIdentity Writer = new("tenant-a", "cloud-1", "node-7", "svc-shop");

    [Fact]
    public void CheckedDraftsSealToTheBytesOfTheirDecodedBodiesSealedOneByOne()
    {
        var drafts = Enumerable.Range(0, 19).Select(i => EntrySamples.FullDraft() with
        {
            Level = (EntryLevel)(i % 6),
            EventType = (uint)(i / 4),
            Sequence = i % 3 == 0 ? null : 1000 + i,
            BatchId = i % 2 == 0 ? null : "b-1",
            Body = EntrySamples.FullBody() with { TimestampUnixMicros = i, RenderedMessage = new string('x', i * 13) },
        }).Select(EntryCodec.EncodeDraft).ToArray();
        var secret = new byte[StreamGenesis.SecretSize];
        secret[0] = 7;

        using var expectedSealer = StreamSealer.Create("tenant-a/orders", secret);
        expectedSealer.SealOpen(new EntryMetadata(0, 2, "tenant-a", "", "", "", "stream.open", 0));
        var expectedMetadata = new List<EntryMetadata>();
        var expected = drafts.Select(encoded =>
        {
            var draft = EntryCodec.DecodeDraft(encoded);
            var metadata = new EntryMetadata(42, (byte)draft.Level, "tenant-a", Writer.Cloud, Writer.Node, Writer.User, draft.EventType.ToString("x8", CultureInfo.InvariantCulture), 0b101);
            expectedMetadata.Add(metadata);
            return expectedSealer.SealData(metadata, EntryCodec.EncodeBody(draft.Body with { SourceSequence = draft.Sequence })).Encoded.ToArray();
        }).ToArray();

        using var sealer = StreamSealer.Create("tenant-a/orders", secret);
        sealer.SealOpen(new EntryMetadata(0, 2, "tenant-a", "", "", "", "stream.open", 0));
        var sealedEntries = DraftBatch.Check([.. drafts]).Seal(sealer, 42, "tenant-a", Writer, 0b101, out var metadata);

        Assert.Equal(expected, sealedEntries);
        Assert.Equal(expectedMetadata, metadata);
        Assert.Equal(expectedSealer.Head.ToArray(), sealer.Head.ToArray());
    }

    [Fact]
    public void ACommandsDraftsAreDecodedAsSlicesOfItAndSealAsTheirCopiesWould()
    {
        var drafts = Enumerable.Range(0, 5).Select(i => EntryCodec.EncodeDraft(EntrySamples.FullDraft() with
        {
            Sequence = i % 2 == 0 ? null : 10 + i,
            Body = EntrySamples.FullBody() with { TimestampUnixMicros = i, RenderedMessage = new string('y', i * 7) },
        })).ToArray();
        var encoded = LogCommandCodec.Encode(new AppendEntriesCommand("tenant-a/orders", Writer, "b-2", 1, [.. drafts]));

        var decoded = ((AppendEntriesCommand)LogCommandCodec.Decode(encoded)).Drafts;

        Assert.Equal(drafts, decoded.Select(d => d.ToArray()));
        Assert.All(decoded, d => Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(d, out var segment) && segment.Array == encoded));
        var secret = new byte[StreamGenesis.SecretSize];
        using var fromCopies = StreamSealer.Create("tenant-a/orders", secret);
        using var fromSlices = StreamSealer.Create("tenant-a/orders", secret);
        fromCopies.SealOpen(new EntryMetadata(0, 2, "tenant-a", "", "", "", "stream.open", 0));
        fromSlices.SealOpen(new EntryMetadata(0, 2, "tenant-a", "", "", "", "stream.open", 0));
        Assert.Equal(
            DraftBatch.Check([.. drafts]).Seal(fromCopies, 42, "tenant-a", Writer, 1, out _),
            DraftBatch.Check(decoded).Seal(fromSlices, 42, "tenant-a", Writer, 1, out _));
    }

    [Fact]
    public void OneBadDraftFailsTheCheckOfTheWholeBatchWithTheDecodersReason()
    {
        var good = EntryCodec.EncodeDraft(EntrySamples.FullDraft());
        var bad = good[..^1];

        var ex = Assert.Throws<EntryEncodingException>(() => DraftBatch.Check([good, good, bad]));

        Assert.Equal(Assert.Throws<EntryEncodingException>(() => EntryCodec.DecodeDraft(bad)).Message, ex.Message);
    }
}
