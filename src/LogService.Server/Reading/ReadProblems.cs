using LogService.Core.Policies;

namespace LogService.Server.Reading;

/// <summary>RFC 7807 answers of the read and key endpoints; types are <c>urn:logservice:problem:read:&lt;name&gt;</c>.</summary>
internal static class ReadProblems
{
    private const string TypePrefix = "urn:logservice:problem:read:";

    /// <summary>403 naming the rule and file that denied the request.</summary>
    public static IResult Denied(PolicyDecision decision) => Problem(StatusCodes.Status403Forbidden, "denied", "Forbidden", decision.Reason,
        new Dictionary<string, object?> { ["rule"] = decision.DecidedBy.Rule, ["file"] = decision.DecidedBy.File });

    public static IResult BadRequest(string name, string detail) => Problem(StatusCodes.Status400BadRequest, name, "Bad request", detail);

    public static IResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, "not-found", "Not found", detail);

    public static IResult Gone(string detail) => Problem(StatusCodes.Status410Gone, "removed", "Removed by retention", detail);

    public static IResult NotCertified(string detail) => Problem(StatusCodes.Status503ServiceUnavailable, "not-certified", "Not yet certified", detail);

    public static IResult KeyServiceUnavailable(string detail) => Problem(StatusCodes.Status503ServiceUnavailable, "key-service", "Key service unavailable", detail);

    /// <summary>421: this replica does not host T; <paramref name="keyServiceUrl"/> names one that does.</summary>
    public static IResult Misdirected(string? keyServiceUrl) => Problem(StatusCodes.Status421MisdirectedRequest, "not-key-service", "Misdirected request",
        keyServiceUrl is null ? "this replica does not host the key service" : $"this replica does not host the key service; ask {keyServiceUrl}",
        new Dictionary<string, object?> { ["keyService"] = keyServiceUrl });

    private static IResult Problem(int status, string name, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: TypePrefix + name, extensions: extensions);
}
