using System.Runtime.InteropServices;
using System.Text.Json;
using LogService.Core.Entries;

namespace LogService.Server.Ingestion;

/// <summary>
/// OTLP/HTTP JSON logs (<c>ExportLogsServiceRequest</c>): <c>resourceLogs → scopeLogs → logRecords</c>. Mapping:
/// <c>timeUnixNano</c> (or <c>observedTimeUnixNano</c> when it is 0) → timestamp; <c>severityNumber</c> 1–4/5–8/9–12/
/// 13–16/17–20/21–24 → Verbose…Fatal (0 falls back to <c>severityText</c>, then Information); a string <c>body</c> →
/// rendered message, any other body → property <c>otel.body</c>; <c>attributes</c> → properties, except
/// <c>{OriginalFormat}</c> / <c>message_template.text</c> → message template and <c>exception.stacktrace</c> →
/// exception; <c>eventName</c> → event type (hashed) and property <c>otel.event_name</c>; resource <c>service.name</c>
/// and <c>host.name</c> → source hints, and the resource and scope → properties <c>otel.resource</c>, <c>otel.scope</c>.
/// Unknown fields are ignored, as OTLP's forward compatibility requires.
/// </summary>
internal sealed class OtlpJsonFormat(IngestLimits limits, TimeProvider clock) : JsonIngestFormat(limits, clock)
{
    public override IReadOnlyList<string> ContentTypes { get; } = ["application/json"];

    protected override List<EntryDraft> ParseEntries(ReadOnlyMemory<byte> payload, IngestScope scope, out string? batchId)
    {
        batchId = null;
        // Each AnyValue level costs up to four JSON levels ({kvlistValue:{values:[{value:…}]}}).
        var options = new JsonDocumentOptions { MaxDepth = (4 * Limits.MaxPropertyDepth) + 12 };
        using var document = JsonDocument.Parse(payload, options);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw scope.Malformed(null, "Expected an object { \"resourceLogs\": [...] }.");
        }

        var entries = new List<EntryDraft>();
        var builder = new DraftBuilder();
        var records = new OtlpRecordReader(scope, builder);
        var resources = JsonPath.Root("resourceLogs");
        var resourceIndex = 0;
        foreach (var resourceLogs in Items(root, "resourceLogs", scope, resources))
        {
            var resourcePath = resources.Item(resourceIndex++);
            var (source, resource) = records.ReadResource(resourceLogs, resourcePath);
            var scopes = resourcePath.Member("scopeLogs");
            var scopeIndex = 0;
            foreach (var scopeLogs in Items(resourceLogs, "scopeLogs", scope, scopes))
            {
                var scopePath = scopes.Item(scopeIndex++);
                var instrumentationScope = records.ReadScope(scopeLogs, scopePath);
                var logRecords = scopePath.Member("logRecords");
                var recordIndex = 0;
                foreach (var record in Items(scopeLogs, "logRecords", scope, logRecords))
                {
                    scope.BeginEntry();
                    scope.CheckEntrySize(JsonMarshal.GetRawUtf8Value(record).Length);
                    builder.Reset();
                    records.ReadRecord(record, logRecords.Item(recordIndex++), resource, instrumentationScope);
                    entries.Add(builder.Build(scope, "timeUnixNano", source));
                    scope.EndEntry();
                }
            }
        }

        return entries;
    }

    /// <summary>The items of an optional array member; an absent or null member is an empty list, as protobuf JSON allows.</summary>
    internal static IEnumerable<JsonElement> Items(JsonElement parent, string name, IngestScope scope, JsonPath path)
    {
        if (parent.ValueKind != JsonValueKind.Object)
        {
            throw scope.Malformed(path.ToString(), "Expected an object holding this array.");
        }

        if (!parent.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        return array.ValueKind == JsonValueKind.Array ? array.EnumerateArray() : throw scope.Malformed(path.ToString(), "Expected an array.");
    }
}
