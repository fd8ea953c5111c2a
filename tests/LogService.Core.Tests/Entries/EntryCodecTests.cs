using LogService.Core.Entries;

namespace LogService.Core.Tests.Entries;

public class EntryCodecTests
{
    [Fact]
    public void BodyRoundTripsWithEveryField()
    {
        var body = EntrySamples.FullBody();

        var decoded = EntryCodec.DecodeBody(EntryCodec.EncodeBody(body));

        Assert.Equal(body, decoded);
        Assert.Equal("9.50", decoded.Properties[1].Value.Text);
        Assert.Equal("123456789012345678901234567890", decoded.Properties[3].Value.Text);
    }

    [Fact]
    public void DraftRoundTripsWithEveryField()
    {
        var draft = EntrySamples.FullDraft();

        var decoded = EntryCodec.DecodeDraft(EntryCodec.EncodeDraft(draft));

        Assert.Equal(draft, decoded);
    }

    [Fact]
    public void MinimalDraftRoundTrips()
    {
        var draft = EntrySamples.MinimalDraft();

        Assert.Equal(draft, EntryCodec.DecodeDraft(EntryCodec.EncodeDraft(draft)));
    }

    [Fact]
    public void EqualBodiesBuiltSeparatelyEncodeToIdenticalBytes()
    {
        Assert.Equal(EntryCodec.EncodeBody(EntrySamples.FullBody()), EntryCodec.EncodeBody(EntrySamples.FullBody()));
    }

    [Fact]
    public void PropertyOrderIsPreservedAndChangesTheBytes()
    {
        var body = EntrySamples.FullBody();
        var reordered = body with { Properties = [.. body.Properties.Reverse()] };

        var decoded = EntryCodec.DecodeBody(EntryCodec.EncodeBody(reordered));

        Assert.Equal(reordered.Properties.Select(p => p.Name), decoded.Properties.Select(p => p.Name));
        Assert.NotEqual(EntryCodec.EncodeBody(body), EntryCodec.EncodeBody(reordered));
    }

    [Fact]
    public void NumberTextIsKeptVerbatim()
    {
        var one = new EntryBody { TimestampUnixMicros = 1, Properties = [new("N", LogValue.Number("1.0"))] };
        var other = one with { Properties = [new("N", LogValue.Number("1"))] };

        Assert.NotEqual(EntryCodec.EncodeBody(one), EntryCodec.EncodeBody(other));
        Assert.Equal("1.0", EntryCodec.DecodeBody(EntryCodec.EncodeBody(one)).Properties[0].Value.Text);
    }

    [Fact]
    public void MinimalBodyHasThePinnedLayout()
    {
        var body = new EntryBody
        {
            TimestampUnixMicros = 1,
            MessageTemplate = "Hi {N}",
            Properties = [new("N", LogValue.Number("7"))],
        };

        Assert.Equal(PinnedMinimalBodyHex, Convert.ToHexString(EntryCodec.EncodeBody(body)));
    }

    // version 1 | fields: template | timestamp (i64 BE) | "Hi {N}" | 0 renderings | 1 property: "N" Number "7"
    private const string PinnedMinimalBodyHex = "0101" + "0000000000000001" + "06" + "4869207B4E7D" + "00" + "01" + "014E" + "03" + "0137";

    [Fact]
    public void SourceSequenceFollowsThePropertiesBehindItsOwnFlagsByte()
    {
        var body = new EntryBody { TimestampUnixMicros = 1, MessageTemplate = "Hi {N}", Properties = [new("N", LogValue.Number("7"))], SourceSequence = 42 };

        var encoded = EntryCodec.EncodeBody(body);

        // the pinned minimal body | extended fields: source sequence | 42 (i64 BE)
        Assert.Equal(PinnedMinimalBodyHex + "01" + "000000000000002A", Convert.ToHexString(encoded));
        Assert.Equal(body, EntryCodec.DecodeBody(encoded));
    }

    [Fact]
    public void BodiesWrittenBeforeSourceSequencesStillDecodeAndReencodeToTheSameBytes()
    {
        var old = Convert.FromHexString(PinnedMinimalBodyHex);

        var decoded = EntryCodec.DecodeBody(old);

        Assert.Null(decoded.SourceSequence);
        Assert.Equal(old, EntryCodec.EncodeBody(decoded));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    public void SourceSequencesRoundTripAcrossTheirRange(long sequence)
    {
        var body = EntrySamples.FullBody() with { SourceSequence = sequence };

        Assert.Equal(sequence, EntryCodec.DecodeBody(EntryCodec.EncodeBody(body)).SourceSequence);
    }

    [Fact]
    public void ADraftsBodyNeverCarriesASourceSequenceOfItsOwn()
    {
        var draft = EntrySamples.MinimalDraft();
        var withTrailer = EntryCodec.EncodeDraft(draft).Concat(Convert.FromHexString("01000000000000002A")).ToArray();

        Assert.Throws<ArgumentException>(() => EntryCodec.EncodeDraft(draft with { Body = draft.Body with { SourceSequence = 1 } }));
        var ex = Assert.Throws<EntryEncodingException>(() => EntryCodec.DecodeDraft(withTrailer));
        Assert.Contains("source sequence", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StringsWithLoneSurrogatesAreRefused()
    {
        var body = new EntryBody { TimestampUnixMicros = 1, RenderedMessage = "bad \ud800 text" };

        Assert.Throws<ArgumentException>(() => EntryCodec.EncodeBody(body));
    }

    [Theory]
    [InlineData("", "input ends early")]
    [InlineData("02", "unsupported version")]
    [InlineData("0100000000000000000100", "input ends early")]
    [InlineData("010000000000000000010000" + "00", "empty extended body fields")]
    [InlineData("010000000000000000010000" + "02" + "000000000000002A", "unknown extended body field flags")]
    [InlineData("010000000000000000010000" + "01" + "0000002A", "input ends early")]
    [InlineData("010000000000000000010000" + "01" + "000000000000002A" + "FF", "trailing bytes")]
    [InlineData("01000000000000000001800000", "not minimally encoded")]
    [InlineData("0102000000000000000102C3280000", "not valid UTF-8")]
    [InlineData("010800000000000000010000000000000000000000000000000000", "all-zero")]
    [InlineData("0100000000000000000100010141" + "07", "unknown value tag")]
    [InlineData("0100000000000000000100010141" + "03022B31", "is not a JSON number")]
    [InlineData("0100000000000000000100020141000141" + "01", "duplicate property name")]
    public void MalformedBodiesAreRejectedWithTheReason(string hex, string reason)
    {
        var ex = Assert.Throws<EntryEncodingException>(() => EntryCodec.DecodeBody(Convert.FromHexString(hex)));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DraftWithUnknownLevelIsRejected()
    {
        var bytes = EntryCodec.EncodeDraft(EntrySamples.MinimalDraft());
        bytes[1] = 6;

        Assert.Throws<EntryEncodingException>(() => EntryCodec.DecodeDraft(bytes));
    }

    [Fact]
    public void MutatedEncodingsEitherFailCleanlyOrReencodeToTheSameBytes()
    {
        var random = new Random(20261121);
        var seeds = new[] { EntryCodec.EncodeDraft(EntrySamples.FullDraft()), EntryCodec.EncodeDraft(EntrySamples.MinimalDraft()) };
        var accepted = 0;
        for (var round = 0; round < 20_000; round++)
        {
            var bytes = Mutate(seeds[round % seeds.Length], random);
            EntryDraft decoded;
            try
            {
                decoded = EntryCodec.DecodeDraft(bytes);
            }
            catch (EntryEncodingException)
            {
                continue;
            }

            accepted++;
            Assert.Equal(bytes, EntryCodec.EncodeDraft(decoded));
        }

        Assert.InRange(accepted, 1, 19_999);
    }

    internal static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = seed.ToList();
        var edits = random.Next(1, 4);
        for (var i = 0; i < edits; i++)
        {
            var at = random.Next(bytes.Count + 1);
            switch (random.Next(4))
            {
                case 0 when at < bytes.Count: bytes[at] = (byte)random.Next(256); break;
                case 1 when at < bytes.Count: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 2: bytes.Insert(at, (byte)random.Next(256)); break;
                default: bytes.RemoveRange(at, Math.Min(random.Next(1, 8), bytes.Count - at)); break;
            }
        }

        return [.. bytes];
    }
}
