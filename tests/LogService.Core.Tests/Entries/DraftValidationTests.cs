using LogService.Core.Entries;

namespace LogService.Core.Tests.Entries;

/// <summary>
/// The replicas check drafts with <see cref="EntryCodec.ValidateDraft"/> instead of decoding them: it must accept
/// exactly what <see cref="EntryCodec.DecodeDraft"/> accepts and refuse the rest with the same reason, whatever a
/// front end or writer puts in the bytes.
/// </summary>
public class DraftValidationTests
{
    // version 1 | level Information | event type 0 | no draft fields
    private const string Header = "01" + "02" + "00000000" + "00";

    // version 1 | no body fields | timestamp 1 | no renderings
    private const string BodyStart = "01" + "00" + "0000000000000001" + "00";

    [Fact]
    public void ValidationReportsTheDraftsHeaderFieldsAndWhereItsBodyStarts()
    {
        var draft = EntrySamples.FullDraft();
        var encoded = EntryCodec.EncodeDraft(draft);

        var validated = EntryCodec.ValidateDraft(encoded);

        Assert.Equal(new ValidatedDraft(EntryLevel.Warning, 0xdeadbeef, 1234, encoded.Length - EntryCodec.EncodeBody(draft.Body).Length), validated);
        Assert.Equal(EntryCodec.EncodeBody(draft.Body), encoded[validated.BodyOffset..]);
    }

    [Fact]
    public void TheBodyToSealIsTheDraftsBodyWithItsSequenceAsSourceSequence()
    {
        var draft = EntrySamples.FullDraft();
        var encoded = EntryCodec.EncodeDraft(draft);
        var validated = EntryCodec.ValidateDraft(encoded);
        var scratch = new byte[5 + EntryCodec.ScratchNeeded(encoded.Length, validated)];
        var used = 5;

        var sealable = EntryCodec.BodyToSeal(encoded, validated, scratch, ref used).ToArray();

        Assert.Equal(EntryCodec.EncodeBody(draft.Body with { SourceSequence = draft.Sequence }), sealable);
        Assert.Equal(scratch.Length, used);
        Assert.Equal(1234, EntryCodec.DecodeBody(sealable).SourceSequence);
    }

    [Fact]
    public void ADraftWithoutASequenceIsSealedAsItsOwnBodyBytes()
    {
        var draft = EntrySamples.FullDraft() with { Sequence = null };
        var encoded = EntryCodec.EncodeDraft(draft);
        var validated = EntryCodec.ValidateDraft(encoded);
        var used = 0;

        var sealable = EntryCodec.BodyToSeal(encoded, validated, [], ref used);

        Assert.Equal(EntryCodec.EncodeBody(draft.Body), sealable.ToArray());
        Assert.Equal(0, used);
        Assert.Equal(0, EntryCodec.ScratchNeeded(encoded.Length, validated));
    }

    [Theory]
    [InlineData(Header + BodyStart + "00", null)]
    [InlineData("02" + "02" + "00000000" + "00" + BodyStart + "00", "unsupported version")]
    [InlineData("01" + "06" + "00000000" + "00" + BodyStart + "00", "level 6 is out of range")]
    [InlineData("01" + "02" + "00000000" + "04" + BodyStart + "00", "unknown draft field flags")]
    [InlineData("01" + "02" + "00000000" + "01" + "000000", "input ends early")]
    [InlineData("01" + "02" + "00000000" + "02" + "00" + BodyStart + "00", "batch id is not well formed")]
    [InlineData("01" + "02" + "00000000" + "02" + "02C3A9" + BodyStart + "00", "batch id is not well formed")]
    [InlineData("01" + "02" + "00000000" + "02" + "02C328" + BodyStart + "00", "not valid UTF-8")]
    [InlineData("01" + "02" + "00000000" + "02" + "0161" + "02" + BodyStart + "00", "unsupported version")]
    [InlineData(Header + BodyStart + "00" + "FF", "unknown extended body field flags")]
    [InlineData(Header + BodyStart + "00" + "01" + "000000000000002A", "carries no source sequence")]
    [InlineData(Header + BodyStart + "00" + "01" + "000000000000002A" + "00", "trailing bytes")]
    [InlineData(Header + BodyStart + "00" + "00", "empty extended body fields")]
    [InlineData(Header + BodyStart + "8000", "not minimally encoded")]
    [InlineData(Header + BodyStart + "FFFFFFFFFFFFFFFFFF01", "count exceeds the remaining bytes")]
    [InlineData(Header + BodyStart + "FFFFFFFFFFFFFFFFFF02", "overflows 64 bits")]
    [InlineData(Header + BodyStart + "FF7F", "count exceeds the remaining bytes")]
    [InlineData(Header + "01" + "00" + "0000000000000001" + "05" + "0141" + "00", "count exceeds the remaining bytes")]
    [InlineData(Header + "01" + "01" + "0000000000000001" + "02C0AF" + "00" + "00", "not valid UTF-8")]
    [InlineData(Header + "01" + "08" + "0000000000000001" + "00000000000000000000000000000000" + "00" + "00", "all-zero")]
    [InlineData(Header + "01" + "10" + "0000000000000001" + "00000000000001", "input ends early")]
    [InlineData(Header + BodyStart + "01" + "03EDA080" + "00", "not valid UTF-8")]
    [InlineData(Header + BodyStart + "01" + "0141" + "07", "unknown value tag 7")]
    [InlineData(Header + BodyStart + "01" + "0141" + "03" + "023031", "'01' is not a JSON number")]
    [InlineData(Header + BodyStart + "01" + "0141" + "03" + "0131" + "2B", "unknown extended body field flags")]
    [InlineData(Header + BodyStart + "01" + "0141" + "03" + "022D", "count exceeds the remaining bytes")]
    [InlineData(Header + BodyStart + "01" + "0141" + "03" + "023165", "'1e' is not a JSON number")]
    [InlineData(Header + BodyStart + "01" + "0141" + "04" + "02FFFE", "not valid UTF-8")]
    [InlineData(Header + BodyStart + "01" + "0141" + "05" + "01" + "03", "input ends early")]
    [InlineData(Header + BodyStart + "01" + "0141" + "06" + "02" + "0142" + "00" + "0142" + "01", "duplicate property name 'B'")]
    [InlineData(Header + BodyStart + "02" + "0141" + "00" + "0141" + "07", "unknown value tag 7")]
    [InlineData(Header + BodyStart + "02" + "0141" + "00" + "0141" + "01", "duplicate property name 'A'")]
    public void AttackedDraftsGetTheDecodersVerdict(string hex, string? reason)
    {
        var bytes = Convert.FromHexString(hex);

        var error = AssertSameVerdict(bytes);

        if (reason is null)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.NotNull(error);
            Assert.Contains(reason, error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryTruncationOfADraftIsRefused()
    {
        var encoded = EntryCodec.EncodeDraft(EntrySamples.FullDraft());

        for (var length = 0; length < encoded.Length; length++)
        {
            Assert.NotNull(AssertSameVerdict(encoded[..length]));
        }
    }

    [Fact]
    public void ValuesNestedPastTheLimitAreRefusedAndAtTheLimitAccepted()
    {
        foreach (var nest in new Func<LogValue, LogValue>[] { v => LogValue.Array([v]), v => LogValue.Object([new("n", v)]) })
        {
            Assert.Null(AssertSameVerdict(DraftWith([new("Deep", Nested(64, nest))])));
            Assert.Contains("nested too deeply", AssertSameVerdict(DraftWith([new("Deep", Nested(65, nest))])), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ARepeatedNameInALongPropertyListIsRefusedNamingTheSameMemberAsTheDecoder()
    {
        var names = Enumerable.Range(0, 40).Select(i => $"p{i}").ToArray();
        Assert.Null(AssertSameVerdict(DraftWith([.. names.Select(n => new LogProperty(n, LogValue.Null))])));

        names[35] = "p10";
        names[38] = "p2";
        var error = AssertSameVerdict(DraftWith([.. names.Select(n => new LogProperty(n, LogValue.True))]));

        Assert.Contains("duplicate property name 'p10'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ARepeatedNameInALongNestedObjectIsRefused()
    {
        var members = Enumerable.Range(0, 100).Select(i => new LogProperty($"m{i % 99}", LogValue.Number("1"))).ToArray();
        var nested = new LogProperty("Outer", LogValue.Array([LogValue.Object([new("Inner", Nested(3, v => LogValue.Array([v])))]), ObjectWithoutCheck(members)]));

        Assert.Contains("duplicate property name 'm0'", AssertSameVerdict(DraftWith([nested])), StringComparison.Ordinal);
    }

    [Fact]
    public void MutatedDraftsGetTheSameVerdictAsFromTheDecoder()
    {
        var random = new Random(20261122);
        var seeds = new[]
        {
            EntryCodec.EncodeDraft(EntrySamples.FullDraft()),
            EntryCodec.EncodeDraft(EntrySamples.MinimalDraft()),
            DraftWith([.. Enumerable.Range(0, 40).Select(i => new LogProperty($"p{i}", LogValue.Number($"{i}.5e{i % 3}")))]),
            DraftWith([new("Deep", Nested(64, v => LogValue.Array([v, LogValue.String("s")])))]),
            EntryCodec.EncodeDraft(EntrySamples.FullDraft() with { Sequence = null, BatchId = null }),
        };
        var (accepted, refused) = (0, 0);
        for (var round = 0; round < 40_000; round++)
        {
            if (AssertSameVerdict(EntryCodecTests.Mutate(seeds[round % seeds.Length], random)) is null)
            {
                accepted++;
            }
            else
            {
                refused++;
            }
        }

        Assert.True(accepted > 100 && refused > 10_000, $"{accepted} accepted, {refused} refused");
    }

    /// <summary>Runs both the decoder and the validator; returns the shared error, or null when both accept and agree on every field.</summary>
    private static string? AssertSameVerdict(byte[] bytes)
    {
        EntryDraft? decoded = null;
        string? decodeError = null;
        try
        {
            decoded = EntryCodec.DecodeDraft(bytes);
        }
        catch (EntryEncodingException ex)
        {
            decodeError = ex.Message;
        }

        ValidatedDraft validated = default;
        string? validateError = null;
        try
        {
            validated = EntryCodec.ValidateDraft(bytes);
        }
        catch (EntryEncodingException ex)
        {
            validateError = ex.Message;
        }

        Assert.Equal(decodeError, validateError);
        if (decoded is not null)
        {
            Assert.Equal((decoded.Level, decoded.EventType, decoded.Sequence), (validated.Level, validated.EventType, validated.Sequence));
            Assert.Equal(EntryCodec.EncodeBody(decoded.Body), bytes[validated.BodyOffset..]);
        }

        return validateError;
    }

    private static byte[] DraftWith(LogProperty[] properties) =>
        EntryCodec.EncodeDraft(new EntryDraft { Sequence = 7, Body = new EntryBody { TimestampUnixMicros = 1, Properties = [.. properties] } });

    private static LogValue Nested(int depth, Func<LogValue, LogValue> wrap)
    {
        var value = LogValue.Number("1");
        for (var i = 0; i < depth; i++)
        {
            value = wrap(value);
        }

        return value;
    }

    /// <summary>An object with repeated names, which the public factory refuses, built the way a hostile encoder would.</summary>
    private static LogValue ObjectWithoutCheck(LogProperty[] members) => LogValue.TrustedObject(members);
}
