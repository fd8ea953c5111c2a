using LogService.Core.Policies;
using LogService.Core.Replica;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace LogService.Server.Hosting;

/// <summary>RFC 7807 answers of the service API: <c>type</c> is <c>urn:logservice:problem:{area}:{name}</c>.</summary>
public static class ApiProblems
{
    /// <summary>A problem with the given status, area and name.</summary>
    public static ProblemHttpResult Create(int status, string area, string name, string title, string? detail = null, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Type = $"urn:logservice:problem:{area}:{name}", Title = title, Status = status, Detail = detail };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[key] = value;
        }

        return TypedResults.Problem(problem);
    }

    /// <summary>403: the policy denied the request; names the rule and file that decided.</summary>
    public static ProblemHttpResult Denied(PolicyDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return Create(StatusCodes.Status403Forbidden, "policy", "denied", "The policy denies this request.", decision.ToString(), new Dictionary<string, object?>
        {
            ["rule"] = decision.DecidedBy.Rule,
            ["file"] = decision.DecidedBy.File,
        });
    }

    /// <summary>401: the request carries no token of a registered tenant.</summary>
    public static ProblemHttpResult Unauthenticated() =>
        Create(StatusCodes.Status401Unauthorized, "auth", "unauthenticated", "Unauthorized", "a bearer access token from a registered tenant issuer is required");

    /// <summary>503: no quorum in time; safe to retry.</summary>
    public static ProblemHttpResult NoQuorum(QuorumUnavailableException failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return Create(StatusCodes.Status503ServiceUnavailable, "replication", "no-quorum", "The replicas did not answer in time.", failure.Message + "; retrying (with the same batch id) is safe");
    }

    /// <summary>503: the front end had no room to submit the request; nothing was written, retry after a second.</summary>
    public static ProblemHttpResult Overloaded(ServiceOverloadedException failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return Create(StatusCodes.Status503ServiceUnavailable, "replication", "overloaded", "The service is at capacity.", failure.Message,
            new Dictionary<string, object?> { ["retryAfterSeconds"] = 1 });
    }

    /// <summary>404: no such stream.</summary>
    public static ProblemHttpResult StreamNotFound(string streamId) =>
        Create(StatusCodes.Status404NotFound, "streams", "not-found", "No such stream.", $"stream {streamId} does not exist", new Dictionary<string, object?> { ["streamId"] = streamId });

    /// <summary>The replicas refused the command deterministically: 404, 409 or 400 by the reason given.</summary>
    public static ProblemHttpResult Rejected(string streamId, CommandReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var extensions = new Dictionary<string, object?> { ["streamId"] = streamId };
        var reason = reply.Reason;
        return reason switch
        {
            _ when reason.EndsWith("does not exist", StringComparison.Ordinal) => StreamNotFound(streamId),
            _ when reason.EndsWith("is closed", StringComparison.Ordinal) || reason.EndsWith("is already closed", StringComparison.Ordinal) =>
                Create(StatusCodes.Status409Conflict, "streams", "closed", "The stream is closed.", reason, extensions),
            _ when reason.EndsWith("already exists", StringComparison.Ordinal) =>
                Create(StatusCodes.Status409Conflict, "streams", "exists", "The stream already exists.", reason, extensions),
            _ => Create(StatusCodes.Status400BadRequest, "replication", "rejected", "The replicas rejected the request.", reason, extensions),
        };
    }
}
