using System.Text.Json;
using LogService.Core.Entries;

namespace LogService.Server.Ingestion;

/// <summary>
/// LogService's own batch: <c>{ "batchId", "source": {application, node, user}, "sequenceStart", "entries": [...] }</c>,
/// documented in docs/api.md. Unknown fields are refused so that typos surface instead of vanishing.
/// </summary>
internal sealed class NativeBatchFormat(IngestLimits limits, TimeProvider clock) : JsonIngestFormat(limits, clock)
{
    private const string BatchFields = "batchId, source, sequenceStart and entries";
    private const string EntryFields = "timestamp, level, messageTemplate, renderedMessage, renderings, exception, traceId, spanId, eventType and properties";

    public override IReadOnlyList<string> ContentTypes { get; } = ["application/vnd.logservice.batch+json", "application/json"];

    protected override List<EntryDraft> ParseEntries(ReadOnlyMemory<byte> payload, IngestScope scope, out string? batchId)
    {
        batchId = null;
        var source = SourceHints.None;
        long? sequenceStart = null;
        List<EntryDraft>? entries = null;
        var headerAfterEntries = false;
        var reader = new Utf8JsonReader(payload.Span, ReaderOptions);
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw scope.Malformed(null, "Expected a batch object { \"entries\": [...] }.");
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            headerAfterEntries |= entries is not null && name != "entries";
            switch (name)
            {
                case "batchId":
                    batchId = JsonFields.ReadString(ref reader, scope, name);
                    if (!EntryDraft.IsValidBatchId(batchId))
                    {
                        throw scope.Invalid(name, $"A batch id is 1 to {EntryDraft.MaxBatchIdLength} characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'.");
                    }

                    break;
                case "source": source = ReadSource(ref reader, scope); break;
                case "sequenceStart":
                    sequenceStart = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var start) && start >= 0
                        ? start
                        : throw scope.Invalid(name, "Expected a non-negative 64-bit integer.");
                    break;
                case "entries":
                    if (entries is not null)
                    {
                        throw scope.Invalid(name, "The batch holds \"entries\" twice.");
                    }

                    entries = ReadEntries(ref reader, scope, source, sequenceStart);
                    break;
                default: throw scope.Invalid(name, $"Unknown field '{JsonFields.Truncate(name)}'; a batch has {BatchFields}.");
            }
        }

        ExpectEnd(ref reader);
        if (entries is null)
        {
            throw scope.Malformed("entries", "The batch has no \"entries\" array.");
        }

        // Writers normally send the header first; if they did not, apply it now so field order never changes meaning.
        return headerAfterEntries ? [.. entries.Select((e, i) => Stamp(e, source, sequenceStart + i))] : entries;
    }

    private static EntryDraft Stamp(EntryDraft draft, SourceHints source, long? sequence) =>
        draft with { Sequence = sequence, Body = draft.Body with { Source = source } };

    /// <summary>
    /// Reads the entries. The batch id is the request's (<see cref="IngestResult.BatchId"/>), not repeated in each draft:
    /// the append command carries it once, and a copy per entry would only add its length to every entry's way
    /// through consensus.
    /// </summary>
    private static List<EntryDraft> ReadEntries(ref Utf8JsonReader reader, IngestScope scope, SourceHints source, long? sequenceStart)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw JsonFields.WrongType(reader, scope, "entries", "an array of entries");
        }

        var entries = new List<EntryDraft>();
        var builder = new DraftBuilder();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            scope.BeginEntry();
            var start = reader.TokenStartIndex;
            builder.Reset();
            ReadEntry(ref reader, scope, builder);
            scope.CheckEntrySize(reader.BytesConsumed - start);
            entries.Add(builder.Build(scope, "timestamp", source, sequenceStart + scope.EventIndex));
        }

        return entries;
    }

    private static void ReadEntry(ref Utf8JsonReader reader, IngestScope scope, DraftBuilder builder)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw JsonFields.WrongType(reader, scope, null, "an entry object");
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            switch (name)
            {
                case "timestamp":
                    builder.Timestamp = reader.TokenType == JsonTokenType.Number
                        ? scope.CheckTimestamp(reader.TryGetInt64(out var micros) ? micros : throw scope.Invalid(name, "A numeric timestamp is a 64-bit count of microseconds since the Unix epoch."), name)
                        : JsonFields.ReadIsoTimestamp(ref reader, scope, name);
                    break;
                case "level": builder.Level = JsonFields.ReadLevel(ref reader, scope, name, allowNumber: true); break;
                case "messageTemplate": builder.MessageTemplate = JsonFields.ReadOptionalString(ref reader, scope, name); break;
                case "renderedMessage": builder.RenderedMessage = JsonFields.ReadOptionalString(ref reader, scope, name); break;
                case "renderings": builder.Renderings = JsonFields.ReadStringArray(ref reader, scope, name); break;
                case "exception": builder.Exception = JsonFields.ReadOptionalString(ref reader, scope, name); break;
                case "traceId": builder.TraceId = JsonFields.ReadTraceContextId(ref reader, scope, name, TraceContext.TraceIdHexLength); break;
                case "spanId": builder.SpanId = JsonFields.ReadTraceContextId(ref reader, scope, name, TraceContext.SpanIdHexLength); break;
                case "eventType": builder.EventType = JsonFields.ReadEventType(ref reader, scope, name); break;
                case "properties": JsonFields.ReadProperties(ref reader, scope, name, builder.Properties); break;
                default: throw JsonFields.UnknownField(scope, name, EntryFields);
            }
        }
    }

    private static SourceHints ReadSource(ref Utf8JsonReader reader, IngestScope scope)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw JsonFields.WrongType(reader, scope, "source", "an object {application, node, user}");
        }

        string? application = null, node = null, user = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            var field = "source." + name;
            switch (name)
            {
                case "application": application = JsonFields.ReadOptionalString(ref reader, scope, field); break;
                case "node": node = JsonFields.ReadOptionalString(ref reader, scope, field); break;
                case "user": user = JsonFields.ReadOptionalString(ref reader, scope, field); break;
                default: throw scope.Invalid(field, $"Unknown field '{JsonFields.Truncate(name)}'; a source has application, node and user.");
            }
        }

        return application is null && node is null && user is null ? SourceHints.None : new SourceHints(application, node, user);
    }
}
