namespace LogService.Server.Ingestion;

/// <summary>
/// A precise reason for rejecting a whole ingestion request: which event, which field and why.
/// Turn it into an RFC 7807 response with <see cref="IngestProblem"/>.
/// </summary>
/// <param name="Kind">The class of error, which decides the HTTP status.</param>
/// <param name="Reason">What is wrong, in one sentence for the writer's developer.</param>
public sealed record IngestError(IngestErrorKind Kind, string Reason)
{
    /// <summary>Zero-based index of the offending event in the request, when one event is at fault.</summary>
    public int? EventIndex { get; init; }

    /// <summary>One-based line of the payload, for line-oriented formats (CLEF) and JSON syntax errors.</summary>
    public int? LineNumber { get; init; }

    /// <summary>The field at fault as named in the payload, e.g. <c>@l</c> or <c>resourceLogs[0].scopeLogs[0].logRecords[2].timeUnixNano</c>.</summary>
    public string? Field { get; init; }

    /// <summary>The HTTP status for this error: 400, 413 or 415.</summary>
    public int StatusCode => Kind switch
    {
        IngestErrorKind.PayloadTooLarge or IngestErrorKind.EntryTooLarge or IngestErrorKind.TooManyEntries => 413,
        IngestErrorKind.UnsupportedMediaType => 415,
        _ => 400,
    };

    /// <summary>One line naming the event, line and field, then the reason.</summary>
    public override string ToString()
    {
        var where = new List<string>(3);
        if (EventIndex is { } index)
        {
            where.Add($"event {index}");
        }

        if (LineNumber is { } line)
        {
            where.Add($"line {line}");
        }

        if (Field is not null)
        {
            where.Add($"field '{Field}'");
        }

        return where.Count == 0 ? Reason : $"{string.Join(", ", where)}: {Reason}";
    }
}
