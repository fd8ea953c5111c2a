using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;

namespace LogService.Core.Entries;

/// <summary>
/// The canonical binary encoding of entries. Every replica turns the same <see cref="EntryBody"/> into the
/// same bytes (the D_j that is encrypted and chained), and decoding accepts only bytes this class would
/// write, so the encoding is a bijection. The layout is documented in docs/api.md ("Entry encoding").
/// </summary>
public static partial class EntryCodec
{
    /// <summary>Format version written as the first byte of a body and of a draft.</summary>
    public const byte Version = 1;

    [Flags]
    private enum BodyFields : byte
    {
        Template = 1,
        Rendered = 2,
        Exception = 4,
        TraceId = 8,
        SpanId = 16,
        Application = 32,
        Node = 64,
        User = 128,
    }

    /// <summary>
    /// Fields added after <see cref="BodyFields"/> was full. They follow the properties behind their own flags byte,
    /// which is written only when one of them is present, so a body without them keeps its original encoding.
    /// </summary>
    [Flags]
    private enum ExtendedBodyFields : byte
    {
        SourceSequence = 1,
    }

    /// <summary>Length of the trailer that carries a source sequence: the extended flags byte and the i64.</summary>
    private const int SourceSequenceTrailerLength = 1 + sizeof(long);

    [Flags]
    private enum DraftFields : byte
    {
        Sequence = 1,
        BatchId = 2,
    }

    /// <summary>Encodes a body into a new array.</summary>
    public static byte[] EncodeBody(EntryBody body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        EncodeBody(body, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Appends the encoding of <paramref name="body"/> to <paramref name="output"/>.</summary>
    /// <exception cref="ArgumentException">A string holds a lone surrogate and has no UTF-8 form.</exception>
    public static void EncodeBody(EntryBody body, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(output);
        var writer = new CanonicalWriter(output);
        var fields = (body.MessageTemplate is null ? 0 : BodyFields.Template)
            | (body.RenderedMessage is null ? 0 : BodyFields.Rendered)
            | (body.Exception is null ? 0 : BodyFields.Exception)
            | (body.TraceId is null ? 0 : BodyFields.TraceId)
            | (body.SpanId is null ? 0 : BodyFields.SpanId)
            | (body.Source.Application is null ? 0 : BodyFields.Application)
            | (body.Source.Node is null ? 0 : BodyFields.Node)
            | (body.Source.User is null ? 0 : BodyFields.User);
        writer.WriteByte(Version);
        writer.WriteByte((byte)fields);
        writer.WriteInt64(body.TimestampUnixMicros);
        WriteIfPresent(writer, body.MessageTemplate);
        WriteIfPresent(writer, body.RenderedMessage);
        WriteIfPresent(writer, body.Exception);
        if (body.TraceId is not null)
        {
            writer.WriteHex(body.TraceId);
        }

        if (body.SpanId is not null)
        {
            writer.WriteHex(body.SpanId);
        }

        WriteIfPresent(writer, body.Source.Application);
        WriteIfPresent(writer, body.Source.Node);
        WriteIfPresent(writer, body.Source.User);
        writer.WriteVarUInt((ulong)body.Renderings.Length);
        foreach (var rendering in body.Renderings)
        {
            writer.WriteString(rendering);
        }

        writer.WriteMembers(body.Properties.AsSpan());
        if (body.SourceSequence is { } sourceSequence)
        {
            WriteSourceSequence(writer, sourceSequence);
        }
    }

    /// <summary>Decodes a body written by <see cref="EncodeBody(EntryBody, IBufferWriter{byte})"/>.</summary>
    /// <exception cref="EntryEncodingException">The bytes are not a canonical body encoding.</exception>
    public static EntryBody DecodeBody(ReadOnlySpan<byte> encoded)
    {
        var reader = new CanonicalReader(encoded);
        var body = ReadBody(ref reader);
        return reader.AtEnd ? body : throw CanonicalReader.Malformed("trailing bytes after the body");
    }

    /// <summary>Encodes a whole draft (header fields, dedup fields and body) into a new array, e.g. for a replicated command.</summary>
    public static byte[] EncodeDraft(EntryDraft draft)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        EncodeDraft(draft, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Appends the encoding of <paramref name="draft"/>: its header and dedup fields, then its body.</summary>
    /// <exception cref="ArgumentException">The draft's body carries a <see cref="EntryBody.SourceSequence"/>: a draft's sequence is <see cref="EntryDraft.Sequence"/>.</exception>
    public static void EncodeDraft(EntryDraft draft, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(output);
        if (draft.Body.SourceSequence is not null)
        {
            throw new ArgumentException("A draft carries its source sequence as EntryDraft.Sequence; the Log Core puts it into the sealed body.", nameof(draft));
        }

        var writer = new CanonicalWriter(output);
        var fields = (draft.Sequence is null ? 0 : DraftFields.Sequence) | (draft.BatchId is null ? 0 : DraftFields.BatchId);
        writer.WriteByte(Version);
        writer.WriteByte((byte)draft.Level);
        writer.WriteUInt32(draft.EventType);
        writer.WriteByte((byte)fields);
        if (draft.Sequence is { } sequence)
        {
            writer.WriteInt64(sequence);
        }

        if (draft.BatchId is not null)
        {
            writer.WriteString(draft.BatchId);
        }

        EncodeBody(draft.Body, output);
    }

    /// <summary>Decodes a draft written by <see cref="EncodeDraft(EntryDraft, IBufferWriter{byte})"/>.</summary>
    /// <exception cref="EntryEncodingException">The bytes are not a canonical draft encoding.</exception>
    public static EntryDraft DecodeDraft(ReadOnlySpan<byte> encoded)
    {
        var reader = new CanonicalReader(encoded);
        var (level, eventType, sequence) = ReadDraftHeader(ref reader, out var batchId);
        var body = ReadBody(ref reader);
        if (!reader.AtEnd)
        {
            throw CanonicalReader.Malformed("trailing bytes after the draft");
        }

        if (body.SourceSequence is not null)
        {
            throw DraftBodyWithSourceSequence();
        }

        return new EntryDraft
        {
            Level = level,
            EventType = eventType,
            Sequence = sequence,
            BatchId = batchId.IsEmpty ? null : Encoding.UTF8.GetString(batchId),
            Body = body,
        };
    }

    /// <summary>
    /// Reads a draft's fields before its body. <paramref name="batchId"/> is the batch id's UTF-8 bytes, checked, or
    /// empty when the draft has none (a batch id present is never empty).
    /// </summary>
    private static (EntryLevel Level, uint EventType, long? Sequence) ReadDraftHeader(ref CanonicalReader reader, out ReadOnlySpan<byte> batchId)
    {
        ExpectVersion(ref reader);
        var level = reader.ReadByte();
        if (level > (byte)EntryLevel.Fatal)
        {
            throw CanonicalReader.Malformed($"level {level} is out of range");
        }

        var eventType = reader.ReadUInt32();
        var fields = (DraftFields)reader.ReadByte();
        if ((fields & ~(DraftFields.Sequence | DraftFields.BatchId)) != 0)
        {
            throw CanonicalReader.Malformed("unknown draft field flags");
        }

        long? sequence = (fields & DraftFields.Sequence) != 0 ? reader.ReadInt64() : null;
        batchId = (fields & DraftFields.BatchId) != 0 ? reader.ReadUtf8() : default;
        if ((fields & DraftFields.BatchId) != 0 && !EntryDraft.IsValidBatchId(batchId))
        {
            throw CanonicalReader.Malformed("batch id is not well formed");
        }

        return ((EntryLevel)level, eventType, sequence);
    }

    private static EntryEncodingException DraftBodyWithSourceSequence() =>
        CanonicalReader.Malformed("a draft's body carries no source sequence (the draft's sequence field does)");

    private static EntryBody ReadBody(ref CanonicalReader reader)
    {
        ExpectVersion(ref reader);
        var fields = (BodyFields)reader.ReadByte();
        var timestamp = reader.ReadInt64();
        var template = ReadIfPresent(ref reader, fields, BodyFields.Template);
        var rendered = ReadIfPresent(ref reader, fields, BodyFields.Rendered);
        var exception = ReadIfPresent(ref reader, fields, BodyFields.Exception);
        var traceId = (fields & BodyFields.TraceId) != 0 ? reader.ReadHex(TraceContext.TraceIdHexLength / 2) : null;
        var spanId = (fields & BodyFields.SpanId) != 0 ? reader.ReadHex(TraceContext.SpanIdHexLength / 2) : null;
        var application = ReadIfPresent(ref reader, fields, BodyFields.Application);
        var node = ReadIfPresent(ref reader, fields, BodyFields.Node);
        var user = ReadIfPresent(ref reader, fields, BodyFields.User);
        var renderings = new string[reader.ReadCount()];
        for (var i = 0; i < renderings.Length; i++)
        {
            renderings[i] = reader.ReadString();
        }

        var properties = reader.ReadMembers();
        var sourceSequence = reader.AtEnd ? null : ReadExtendedFields(ref reader);
        var source = application is null && node is null && user is null ? SourceHints.None : new SourceHints(application, node, user);
        return new EntryBody
        {
            TimestampUnixMicros = timestamp,
            MessageTemplate = template,
            RenderedMessage = rendered,
            Exception = exception,
            TraceId = traceId,
            SpanId = spanId,
            Source = source,
            Renderings = ImmutableCollectionsMarshal.AsImmutableArray(renderings),
            Properties = ImmutableCollectionsMarshal.AsImmutableArray(properties),
            SourceSequence = sourceSequence,
        };
    }

    /// <summary>
    /// Reads the extended fields after the properties. The flags byte is there only when a field is, so zero is
    /// refused as non-canonical, like any flag this version does not know.
    /// </summary>
    private static long? ReadExtendedFields(ref CanonicalReader reader)
    {
        var fields = (ExtendedBodyFields)reader.ReadByte();
        if (fields != ExtendedBodyFields.SourceSequence)
        {
            throw CanonicalReader.Malformed(fields == 0 ? "empty extended body fields" : "unknown extended body field flags");
        }

        return reader.ReadInt64();
    }

    private static void WriteSourceSequence(CanonicalWriter writer, long sourceSequence)
    {
        writer.WriteByte((byte)ExtendedBodyFields.SourceSequence);
        writer.WriteInt64(sourceSequence);
    }

    private static void ExpectVersion(ref CanonicalReader reader)
    {
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw CanonicalReader.Malformed($"unsupported version {version}");
        }
    }

    private static void WriteIfPresent(CanonicalWriter writer, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(value);
        }
    }

    private static string? ReadIfPresent(ref CanonicalReader reader, BodyFields fields, BodyFields field) =>
        (fields & field) != 0 ? reader.ReadString() : null;
}
