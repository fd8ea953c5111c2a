using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace LogService.Server.Ingestion;

/// <summary>Maps an <see cref="IngestError"/> to RFC 7807 problem details, the shape every ingestion endpoint returns on rejection.</summary>
public static class IngestProblem
{
    /// <summary>Problem details with status, title, a one-line detail and the extensions <c>eventIndex</c>, <c>lineNumber</c>, <c>field</c> and <c>reason</c> (those that apply).</summary>
    public static ProblemDetails ToProblemDetails(IngestError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var problem = new ProblemDetails
        {
            Type = TypeOf(error.Kind),
            Title = TitleOf(error.Kind),
            Status = error.StatusCode,
            Detail = error.ToString(),
        };
        if (error.EventIndex is { } index)
        {
            problem.Extensions["eventIndex"] = index;
        }

        if (error.LineNumber is { } line)
        {
            problem.Extensions["lineNumber"] = line;
        }

        if (error.Field is not null)
        {
            problem.Extensions["field"] = error.Field;
        }

        problem.Extensions["reason"] = error.Reason;
        return problem;
    }

    /// <summary>The error as an endpoint result, e.g. <c>return result.Error.ToHttpResult();</c>.</summary>
    public static ProblemHttpResult ToHttpResult(this IngestError error) => TypedResults.Problem(ToProblemDetails(error));

    /// <summary>A stable URN per kind, so clients can branch without parsing text.</summary>
    public static string TypeOf(IngestErrorKind kind) => kind switch
    {
        IngestErrorKind.MalformedPayload => "urn:logservice:problem:ingest:malformed-payload",
        IngestErrorKind.InvalidEntry => "urn:logservice:problem:ingest:invalid-entry",
        IngestErrorKind.EmptyPayload => "urn:logservice:problem:ingest:empty-payload",
        IngestErrorKind.PayloadTooLarge => "urn:logservice:problem:ingest:payload-too-large",
        IngestErrorKind.EntryTooLarge => "urn:logservice:problem:ingest:entry-too-large",
        IngestErrorKind.TooManyEntries => "urn:logservice:problem:ingest:too-many-entries",
        IngestErrorKind.UnsupportedMediaType => "urn:logservice:problem:ingest:unsupported-media-type",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static string TitleOf(IngestErrorKind kind) => kind switch
    {
        IngestErrorKind.MalformedPayload => "The payload is malformed.",
        IngestErrorKind.InvalidEntry => "An event in the payload is invalid.",
        IngestErrorKind.EmptyPayload => "The payload contains no events.",
        IngestErrorKind.PayloadTooLarge => "The request body is too large.",
        IngestErrorKind.EntryTooLarge => "An event in the payload is too large.",
        IngestErrorKind.TooManyEntries => "The request holds too many events.",
        IngestErrorKind.UnsupportedMediaType => "The content type is not accepted here.",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
