using LogService.Core.Entries;

namespace LogService.Server.Ingestion;

/// <summary>
/// The state of one request's parse: the limits, the clock reading every timestamp is checked against,
/// and which event and line are being read, so each error can say where it happened.
/// </summary>
internal sealed class IngestScope(IngestLimits limits, DateTimeOffset now)
{
    private readonly long _earliestMicros = EntryBody.ToUnixMicros(now - limits.MaxAge);
    private readonly long _latestMicros = EntryBody.ToUnixMicros(now + limits.MaxFutureSkew);
    private bool _inEntry;

    public IngestLimits Limits { get; } = limits;

    public long NowMicros { get; } = EntryBody.ToUnixMicros(now);

    /// <summary>Index of the event being read; -1 before the first.</summary>
    public int EventIndex { get; private set; } = -1;

    /// <summary>The event errors are attributed to: the one being read, or none between events.</summary>
    public int? CurrentEvent => _inEntry ? EventIndex : null;

    /// <summary>One-based payload line of the event being read, for line-oriented formats.</summary>
    public int? LineNumber { get; set; }

    /// <summary>Values counted so far in the current event's property tree.</summary>
    public int PropertyValues { get; set; }

    /// <summary>Moves to the next event, enforcing the per-request event count.</summary>
    public void BeginEntry()
    {
        if (EventIndex + 1 >= Limits.MaxEntriesPerRequest)
        {
            throw new IngestFailure(new IngestError(
                IngestErrorKind.TooManyEntries,
                $"A request may hold at most {Limits.MaxEntriesPerRequest} events.") { EventIndex = EventIndex + 1, LineNumber = LineNumber });
        }

        EventIndex++;
        PropertyValues = 0;
        _inEntry = true;
    }

    /// <summary>Marks that what follows (e.g. the next OTLP resource) belongs to no event.</summary>
    public void EndEntry() => _inEntry = false;

    public void CheckEntrySize(long bytes)
    {
        if (bytes > Limits.MaxEntryBytes)
        {
            throw Fail(IngestErrorKind.EntryTooLarge, null, $"The event is {bytes} bytes; at most {Limits.MaxEntryBytes} are allowed.");
        }
    }

    /// <summary>Rejects timestamps outside [now − MaxAge, now + MaxFutureSkew].</summary>
    public long CheckTimestamp(long micros, string field)
    {
        if (micros > _latestMicros)
        {
            throw Invalid(field, $"The timestamp lies more than {Limits.MaxFutureSkew} ahead of the server's clock.");
        }

        if (micros < _earliestMicros)
        {
            throw Invalid(field, $"The timestamp lies more than {Limits.MaxAge} behind the server's clock.");
        }

        return micros;
    }

    public IngestFailure Invalid(string? field, string reason) => Fail(IngestErrorKind.InvalidEntry, field, reason);

    public IngestFailure Malformed(string? field, string reason) => Fail(IngestErrorKind.MalformedPayload, field, reason);

    public IngestFailure Fail(IngestErrorKind kind, string? field, string reason) => new(new IngestError(kind, reason)
    {
        EventIndex = CurrentEvent,
        LineNumber = LineNumber,
        Field = field,
    });
}
