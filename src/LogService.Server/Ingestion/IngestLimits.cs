using System.ComponentModel.DataAnnotations;

namespace LogService.Server.Ingestion;

/// <summary>
/// Limits every ingestion request is checked against before anything is submitted for ordering.
/// Bound from the <see cref="SectionName"/> configuration section; each default is stated below. The ranges are
/// data annotations, so a host binding these options with <c>ValidateDataAnnotations().ValidateOnStart()</c>
/// refuses a bad setting at start.
/// </summary>
public sealed class IngestLimits
{
    /// <summary>Configuration section the limits are bound from.</summary>
    public const string SectionName = "Ingestion:Limits";

    /// <summary>Largest request body in bytes, after any content decoding. Default 10 MiB; larger bodies get 413.</summary>
    [Range(1024, int.MaxValue)]
    public int MaxRequestBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Largest single event in bytes, measured as its JSON text in the payload. Default 256 KiB; larger events get 413.</summary>
    [Range(256, int.MaxValue)]
    public int MaxEntryBytes { get; set; } = 256 * 1024;

    /// <summary>Most events in one request. Default 10,000 (the ingest benchmark sends 1,000 per batch); more get 413.</summary>
    [Range(1, int.MaxValue)]
    public int MaxEntriesPerRequest { get; set; } = 10_000;

    /// <summary>
    /// Deepest nesting of property values: a top-level property is depth 1, a member of its object depth 2.
    /// Default 16, above Serilog's own destructuring limit of 10.
    /// </summary>
    [Range(1, 64)]
    public int MaxPropertyDepth { get; set; } = 16;

    /// <summary>Most values in one event's property tree, counting every property, member and array item. Default 4,096.</summary>
    [Range(1, int.MaxValue)]
    public int MaxPropertyValues { get; set; } = 4096;

    /// <summary>Longest property or member name in characters. Default 256.</summary>
    [Range(1, 65_536)]
    public int MaxPropertyNameLength { get; set; } = 256;

    /// <summary>
    /// How far an event's timestamp may lie ahead of the receiving replica's clock. Default 5 minutes, which
    /// covers ordinary clock drift; later timestamps are rejected as a writer error.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How far an event's timestamp may lie behind the receiving replica's clock. Default 30 days, long enough for
    /// a durable sink to drain its buffer after an outage; older timestamps are rejected.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(30);
}
