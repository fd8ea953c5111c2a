using System.Runtime.InteropServices;
using LogService.Core.Entries;

namespace LogService.Server.Ingestion;

/// <summary>
/// Collects one event's fields as a format reads them, in any order, then checks what must hold for every
/// format and builds the <see cref="EntryDraft"/>. Reused across the events of a request.
/// </summary>
internal sealed class DraftBuilder
{
    public long? Timestamp { get; set; }

    public EntryLevel Level { get; set; } = EntryLevel.Information;

    public string? MessageTemplate { get; set; }

    public string? RenderedMessage { get; set; }

    public string? Exception { get; set; }

    public string? TraceId { get; set; }

    public string? SpanId { get; set; }

    public uint? EventType { get; set; }

    public string[]? Renderings { get; set; }

    public List<LogProperty> Properties { get; } = [];

    public void Reset()
    {
        Timestamp = null;
        Level = EntryLevel.Information;
        MessageTemplate = null;
        RenderedMessage = null;
        Exception = null;
        TraceId = null;
        SpanId = null;
        EventType = null;
        Renderings = null;
        Properties.Clear();
    }

    /// <summary>Builds the draft; <paramref name="timestampField"/> names the field a missing timestamp is reported against.</summary>
    public EntryDraft Build(IngestScope scope, string timestampField, SourceHints source, long? sequence = null)
    {
        if (Timestamp is not { } timestamp)
        {
            throw scope.Invalid(timestampField, "Every event needs a timestamp.");
        }

        var properties = Properties.Count == 0 ? [] : Properties.ToArray();
        if (LogValue.FindDuplicateName(properties) is { } duplicate)
        {
            throw scope.Invalid(duplicate, $"The property '{JsonFields.Truncate(duplicate)}' occurs twice.");
        }

        var body = new EntryBody
        {
            TimestampUnixMicros = timestamp,
            MessageTemplate = MessageTemplate,
            RenderedMessage = RenderedMessage,
            Exception = Exception,
            TraceId = TraceId,
            SpanId = SpanId,
            Source = source,
            Renderings = Renderings is null ? [] : ImmutableCollectionsMarshal.AsImmutableArray(Renderings),
            Properties = ImmutableCollectionsMarshal.AsImmutableArray(properties),
        };
        return new EntryDraft
        {
            Level = Level,
            EventType = EventType ?? EventTypes.FromTemplate(MessageTemplate ?? RenderedMessage ?? string.Empty),
            Sequence = sequence,
            Body = body,
        };
    }
}
