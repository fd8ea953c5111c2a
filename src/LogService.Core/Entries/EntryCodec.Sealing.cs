using System.Buffers.Binary;

namespace LogService.Core.Entries;

/// <content>
/// The replicas' side of a draft: check that its bytes are a canonical draft and take the body to seal as it stands.
/// Because the encoding is canonical, the body bytes of an accepted draft are exactly what
/// <see cref="EncodeBody(EntryBody)"/> gives for the body <see cref="DecodeDraft"/> would build, so no replica needs
/// to build it, nor to encode it again.
/// </content>
public static partial class EntryCodec
{
    /// <summary>
    /// Checks a draft without building it: accepts exactly the bytes <see cref="DecodeDraft"/> accepts and refuses the
    /// others with the same <see cref="EntryEncodingException"/> message, and returns what sealing needs.
    /// </summary>
    /// <exception cref="EntryEncodingException">The bytes are not a canonical draft encoding.</exception>
    internal static ValidatedDraft ValidateDraft(ReadOnlySpan<byte> encoded)
    {
        var reader = new CanonicalReader(encoded);
        var (level, eventType, sequence) = ReadDraftHeader(ref reader, out _);
        var bodyOffset = encoded.Length - reader.Remaining.Length;
        var hasSourceSequence = SkipBody(ref reader);
        if (!reader.AtEnd)
        {
            throw CanonicalReader.Malformed("trailing bytes after the draft");
        }

        return hasSourceSequence ? throw DraftBodyWithSourceSequence() : new ValidatedDraft(level, eventType, sequence, bodyOffset);
    }

    /// <summary>Room <see cref="BodyToSeal"/> takes in its scratch buffer for this draft: none unless it has a sequence.</summary>
    internal static int ScratchNeeded(int encodedLength, in ValidatedDraft draft) =>
        draft.Sequence is null ? 0 : encodedLength - draft.BodyOffset + SourceSequenceTrailerLength;

    /// <summary>
    /// The body the Log Core seals for a validated draft: the draft's body bytes with its per-source sequence added as
    /// <see cref="EntryBody.SourceSequence"/>, so the writer's sequence is encrypted and chained with the event. Equals
    /// <see cref="EncodeBody(EntryBody)"/> of <c>draft.Body with { SourceSequence = draft.Sequence }</c>. A draft without
    /// a sequence gives a slice of <paramref name="encoded"/>; one with a sequence is written to
    /// <paramref name="scratch"/> from <paramref name="scratchUsed"/> on, which advances by <see cref="ScratchNeeded"/>.
    /// </summary>
    internal static ReadOnlyMemory<byte> BodyToSeal(ReadOnlyMemory<byte> encoded, in ValidatedDraft draft, byte[] scratch, ref int scratchUsed)
    {
        var body = encoded[draft.BodyOffset..];
        if (draft.Sequence is not { } sequence)
        {
            return body;
        }

        var sealable = scratch.AsMemory(scratchUsed, body.Length + SourceSequenceTrailerLength);
        body.Span.CopyTo(sealable.Span);
        sealable.Span[body.Length] = (byte)ExtendedBodyFields.SourceSequence;
        BinaryPrimitives.WriteInt64BigEndian(sealable.Span[(body.Length + 1)..], sequence);
        scratchUsed += sealable.Length;
        return sealable;
    }

    /// <summary>
    /// Checks a body as <see cref="ReadBody"/> reads it, field by field in the same order, and moves past it. True when
    /// it ends with a source sequence.
    /// </summary>
    private static bool SkipBody(ref CanonicalReader reader)
    {
        ExpectVersion(ref reader);
        var fields = (BodyFields)reader.ReadByte();
        reader.ReadInt64();
        SkipIfPresent(ref reader, fields, BodyFields.Template);
        SkipIfPresent(ref reader, fields, BodyFields.Rendered);
        SkipIfPresent(ref reader, fields, BodyFields.Exception);
        if ((fields & BodyFields.TraceId) != 0)
        {
            reader.ReadId(TraceContext.TraceIdHexLength / 2);
        }

        if ((fields & BodyFields.SpanId) != 0)
        {
            reader.ReadId(TraceContext.SpanIdHexLength / 2);
        }

        SkipIfPresent(ref reader, fields, BodyFields.Application);
        SkipIfPresent(ref reader, fields, BodyFields.Node);
        SkipIfPresent(ref reader, fields, BodyFields.User);
        for (var renderings = reader.ReadCount(); renderings > 0; renderings--)
        {
            reader.ReadUtf8();
        }

        reader.SkipMembers();
        if (reader.AtEnd)
        {
            return false;
        }

        ReadExtendedFields(ref reader);
        return true;
    }

    private static void SkipIfPresent(ref CanonicalReader reader, BodyFields fields, BodyFields field)
    {
        if ((fields & field) != 0)
        {
            reader.ReadUtf8();
        }
    }
}
