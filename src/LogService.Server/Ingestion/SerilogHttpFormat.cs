using System.Text.Json;
using LogService.Core.Entries;

namespace LogService.Server.Ingestion;

/// <summary>
/// Serilog.Sinks.Http's batches: a JSON array of events (its ArrayBatchFormatter, the default) or
/// <c>{"events":[…]}</c> (its DefaultBatchFormatter). Each event is either the normal field set
/// (NormalTextFormatter / NormalRenderedTextFormatter: <c>Timestamp, Level, MessageTemplate, RenderedMessage,
/// Exception, Properties, Renderings</c>, plus <c>TraceId, SpanId</c>) or the compact one (CompactTextFormatter /
/// CompactRenderedTextFormatter: CLEF). An event whose first member starts with <c>@</c> is compact, as those
/// formatters always write <c>@t</c> first.
/// </summary>
internal sealed class SerilogHttpFormat(IngestLimits limits, TimeProvider clock) : JsonIngestFormat(limits, clock)
{
    private const string NormalFields = "Timestamp, Level, MessageTemplate, RenderedMessage, Exception, Properties, Renderings, TraceId and SpanId";

    public override IReadOnlyList<string> ContentTypes { get; } = ["application/json"];

    protected override List<EntryDraft> ParseEntries(ReadOnlyMemory<byte> payload, IngestScope scope, out string? batchId)
    {
        batchId = null;
        var reader = new Utf8JsonReader(payload.Span, ReaderOptions);
        reader.Read();
        var wrapped = reader.TokenType == JsonTokenType.StartObject;
        if (wrapped)
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals("events"u8))
            {
                throw scope.Malformed(null, "Expected a JSON array of events or an object with one member \"events\".");
            }

            reader.Read();
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw scope.Malformed(wrapped ? "events" : null, "Expected a JSON array of events.");
        }

        var entries = new List<EntryDraft>();
        var builder = new DraftBuilder();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            scope.BeginEntry();
            var start = reader.TokenStartIndex;
            builder.Reset();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw JsonFields.WrongType(reader, scope, null, "a JSON object per event");
            }

            var probe = reader;
            probe.Read();
            var compact = probe.TokenType == JsonTokenType.PropertyName && probe.ValueSpan.Length > 0 && probe.ValueSpan[0] == (byte)'@';
            if (compact)
            {
                ClefEventReader.Read(ref reader, scope, builder);
            }
            else
            {
                ReadNormal(ref reader, scope, builder);
            }

            scope.CheckEntrySize(reader.BytesConsumed - start);
            entries.Add(builder.Build(scope, compact ? "@t" : "Timestamp", SourceHints.None));
        }

        if (wrapped && (!reader.Read() || reader.TokenType != JsonTokenType.EndObject))
        {
            throw scope.Malformed(null, "The batch object may hold only \"events\".");
        }

        ExpectEnd(ref reader);
        return entries;
    }

    private static void ReadNormal(ref Utf8JsonReader reader, IngestScope scope, DraftBuilder builder)
    {
        Dictionary<string, Queue<string>>? renderings = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            switch (name)
            {
                case "Timestamp": builder.Timestamp = JsonFields.ReadIsoTimestamp(ref reader, scope, name); break;
                case "Level": builder.Level = JsonFields.ReadLevel(ref reader, scope, name, allowNumber: false); break;
                case "MessageTemplate": builder.MessageTemplate = JsonFields.ReadOptionalString(ref reader, scope, name); break;
                case "RenderedMessage": builder.RenderedMessage = JsonFields.ReadOptionalString(ref reader, scope, name); break;
                case "Exception": builder.Exception = JsonFields.ReadOptionalString(ref reader, scope, name); break;
                case "TraceId": builder.TraceId = JsonFields.ReadTraceContextId(ref reader, scope, name, TraceContext.TraceIdHexLength); break;
                case "SpanId": builder.SpanId = JsonFields.ReadTraceContextId(ref reader, scope, name, TraceContext.SpanIdHexLength); break;
                case "Properties": JsonFields.ReadProperties(ref reader, scope, name, builder.Properties); break;
                case "Renderings": renderings = ReadRenderings(ref reader, scope); break;
                default: throw JsonFields.UnknownField(scope, name, NormalFields);
            }
        }

        if (renderings is not null)
        {
            builder.Renderings = builder.MessageTemplate is { } template && TemplateRenderings.InTemplateOrder(template, renderings) is { } ordered
                ? ordered
                : throw scope.Invalid("Renderings", "The renderings do not match the formatted tokens of MessageTemplate.");
        }
    }

    private static Dictionary<string, Queue<string>> ReadRenderings(ref Utf8JsonReader reader, IngestScope scope)
    {
        const string Field = "Renderings";
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw JsonFields.WrongType(reader, scope, Field, "an object of property name to [{Format, Rendering}]");
        }

        var byName = new Dictionary<string, Queue<string>>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var queue = new Queue<string>();
            byName[reader.GetString()!] = queue;
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw JsonFields.WrongType(reader, scope, Field, "an array of {Format, Rendering}");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw JsonFields.WrongType(reader, scope, Field, "an object {Format, Rendering}");
                }

                string? rendering = null;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var isRendering = reader.ValueTextEquals("Rendering"u8);
                    reader.Read();
                    var value = JsonFields.ReadString(ref reader, scope, Field);
                    rendering = isRendering ? value : rendering;
                }

                queue.Enqueue(rendering ?? throw scope.Invalid(Field, "Each rendering needs a \"Rendering\" string."));
            }
        }

        return byName;
    }
}
