using System.Collections.Immutable;

namespace LogService.Core.Entries;

/// <summary>
/// What a writer said about one event: the part of an entry that is encrypted as D_j (DESIGN §6).
/// Encode it with <see cref="EntryCodec.EncodeBody(EntryBody)"/>; equal bodies always give equal bytes.
/// </summary>
public sealed record EntryBody
{
    private readonly string? _traceId;
    private readonly string? _spanId;

    /// <summary>When the event happened by the writer's clock, in microseconds since the Unix epoch (UTC).</summary>
    public required long TimestampUnixMicros { get; init; }

    /// <summary>The message template, e.g. <c>Order {OrderId} shipped</c>.</summary>
    public string? MessageTemplate { get; init; }

    /// <summary>The message as the writer rendered it.</summary>
    public string? RenderedMessage { get; init; }

    /// <summary>
    /// Renderings of the template's tokens that carry a format (e.g. <c>{Amount:0.00}</c>), in template order,
    /// as CLEF's <c>@r</c>; empty when the template has none or the writer sent none.
    /// </summary>
    public ImmutableArray<string> Renderings { get; init; } = [];

    /// <summary>The exception text (type, message and stack trace) if the event carries one.</summary>
    public string? Exception { get; init; }

    /// <summary>W3C trace id: 32 lowercase hex digits, not all zero.</summary>
    /// <exception cref="ArgumentException">The value is not 32 lowercase hex digits or is all zero.</exception>
    public string? TraceId
    {
        get => _traceId;
        init => _traceId = TraceContext.IsValidId(value, TraceContext.TraceIdHexLength)
            ? value
            : throw new ArgumentException("A trace id is 32 lowercase hex digits, not all zero.", nameof(value));
    }

    /// <summary>W3C span id: 16 lowercase hex digits, not all zero.</summary>
    /// <exception cref="ArgumentException">The value is not 16 lowercase hex digits or is all zero.</exception>
    public string? SpanId
    {
        get => _spanId;
        init => _spanId = TraceContext.IsValidId(value, TraceContext.SpanIdHexLength)
            ? value
            : throw new ArgumentException("A span id is 16 lowercase hex digits, not all zero.", nameof(value));
    }

    /// <summary>Where the payload says the event comes from (not authoritative).</summary>
    public SourceHints Source { get; init; } = SourceHints.None;

    /// <summary>The event's properties in the order the writer sent them; names are distinct.</summary>
    public ImmutableArray<LogProperty> Properties { get; init; } = [];

    /// <summary>
    /// The writer's per-source sequence number of this event (the draft's <see cref="EntryDraft.Sequence"/>, which the
    /// Log Core seals into the body), so a reader sees gaps in what a source sent; null when the writer sent none.
    /// </summary>
    public long? SourceSequence { get; init; }

    /// <summary>The event time as a <see cref="DateTimeOffset"/> in UTC.</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.UnixEpoch.AddTicks(TimestampUnixMicros * TimeSpan.TicksPerMicrosecond);

    /// <summary>Microseconds since the Unix epoch for <paramref name="time"/>, rounded down.</summary>
    public static long ToUnixMicros(DateTimeOffset time)
    {
        var ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var micros = ticks / TimeSpan.TicksPerMicrosecond;
        return ticks < 0 && micros * TimeSpan.TicksPerMicrosecond != ticks ? micros - 1 : micros;
    }

    /// <inheritdoc />
    public bool Equals(EntryBody? other) =>
        other is not null
        && TimestampUnixMicros == other.TimestampUnixMicros
        && MessageTemplate == other.MessageTemplate
        && RenderedMessage == other.RenderedMessage
        && Renderings.AsSpan().SequenceEqual(other.Renderings.AsSpan())
        && Exception == other.Exception
        && TraceId == other.TraceId
        && SpanId == other.SpanId
        && Source == other.Source
        && SourceSequence == other.SourceSequence
        && LogValue.MembersEqual(Properties, other.Properties);

    /// <inheritdoc />
    public override int GetHashCode() =>
        HashCode.Combine(TimestampUnixMicros, MessageTemplate, RenderedMessage, Exception, TraceId, Properties.Length, SourceSequence);
}
