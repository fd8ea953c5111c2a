using System.Text.Json;
using LogService.Core.Entries;

namespace LogService.Server.Ingestion;

/// <summary>
/// Reads one event in CLEF, the compact log event format of Serilog.Formatting.Compact and Seq: reified fields
/// start with <c>@</c> (<c>@t @m @mt @l @x @i @r @tr @sp</c>); every other member is a property, and a property
/// whose own name starts with <c>@</c> arrives escaped as <c>@@</c>. Reified fields this model has no slot for
/// (e.g. <c>@ps</c>, <c>@st</c>, <c>@ra</c>) are kept as properties under their reified name.
/// </summary>
internal static class ClefEventReader
{
    /// <summary>Reads the object at the reader's <see cref="JsonTokenType.StartObject"/> into <paramref name="builder"/>.</summary>
    public static void Read(ref Utf8JsonReader reader, IngestScope scope, DraftBuilder builder)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw JsonFields.WrongType(reader, scope, null, "a JSON object per event");
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var isReified = reader.ValueSpan.Length > 0 && reader.ValueSpan[0] == (byte)'@' && !reader.ValueIsEscaped;
            if (isReified && ReadReified(ref reader, scope, builder))
            {
                continue;
            }

            var name = JsonFields.ReadName(ref reader, scope, "properties");
            if (name.StartsWith("@@", StringComparison.Ordinal))
            {
                name = name[1..];
            }

            reader.Read();
            builder.Properties.Add(new LogProperty(name, JsonFields.ReadValue(ref reader, scope, 1, name)));
        }
    }

    /// <summary>Reads a reified field; false (reader untouched) when the name is not one of them.</summary>
    private static bool ReadReified(ref Utf8JsonReader reader, IngestScope scope, DraftBuilder builder)
    {
        var name = reader.ValueSpan;
        if (name.SequenceEqual("@t"u8))
        {
            reader.Read();
            builder.Timestamp = JsonFields.ReadIsoTimestamp(ref reader, scope, "@t");
        }
        else if (name.SequenceEqual("@mt"u8))
        {
            reader.Read();
            builder.MessageTemplate = JsonFields.ReadString(ref reader, scope, "@mt");
        }
        else if (name.SequenceEqual("@m"u8))
        {
            reader.Read();
            builder.RenderedMessage = JsonFields.ReadString(ref reader, scope, "@m");
        }
        else if (name.SequenceEqual("@l"u8))
        {
            reader.Read();
            builder.Level = JsonFields.ReadLevel(ref reader, scope, "@l", allowNumber: false);
        }
        else if (name.SequenceEqual("@x"u8))
        {
            reader.Read();
            builder.Exception = JsonFields.ReadString(ref reader, scope, "@x");
        }
        else if (name.SequenceEqual("@i"u8))
        {
            reader.Read();
            builder.EventType = JsonFields.ReadEventType(ref reader, scope, "@i");
        }
        else if (name.SequenceEqual("@r"u8))
        {
            reader.Read();
            builder.Renderings = JsonFields.ReadStringArray(ref reader, scope, "@r");
        }
        else if (name.SequenceEqual("@tr"u8))
        {
            reader.Read();
            builder.TraceId = JsonFields.ReadTraceContextId(ref reader, scope, "@tr", TraceContext.TraceIdHexLength);
        }
        else if (name.SequenceEqual("@sp"u8))
        {
            reader.Read();
            builder.SpanId = JsonFields.ReadTraceContextId(ref reader, scope, "@sp", TraceContext.SpanIdHexLength);
        }
        else
        {
            return false;
        }

        return true;
    }
}
