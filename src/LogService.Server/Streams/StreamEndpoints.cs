using System.Security.Claims;
using System.Text.Json.Nodes;
using LogService.Core.Commands;
using LogService.Core.Policies;
using LogService.Core.Replica;
using LogService.Server.Hosting;
using LogService.Server.Identity;
using LogService.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LogService.Server.Streams;

/// <summary>Stream administration: list, create (on the key-service replica), get, close.</summary>
public static class StreamEndpoints
{
    private static readonly TimeSpan CatchUpPatience = TimeSpan.FromSeconds(3);

    /// <summary>Maps <c>/api/v1/streams</c> and <c>/api/v1/streams/{tenant}/{name}</c> (+ <c>/close</c>).</summary>
    /// <param name="endpoints">The application.</param>
    /// <returns>The group.</returns>
    public static RouteGroupBuilder MapStreamEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1/streams").RequireTenantCaller().WithTags("Streams");
        group.MapGet("/", List).WithName("ListStreams");
        group.MapPost("/", CreateAsync).WithName("CreateStream");
        group.MapGet("/{tenant}/{name}", Get).WithName("GetStream");
        group.MapPost("/{tenant}/{name}/close", CloseAsync).WithName("CloseStream");
        return group;
    }

    /// <summary>The body of <c>POST /api/v1/streams</c>.</summary>
    /// <param name="Name">The stream name.</param>
    /// <param name="Tenant">The owning tenant; default the caller's.</param>
    /// <param name="Retention">The retention policy; default keep everything.</param>
    public sealed record CreateStreamRequest(string? Name, string? Tenant, RetentionRequest? Retention);

    /// <summary>Retention in the API's units.</summary>
    /// <param name="MaxAgeDays">Entries older than this many days may be removed; null: no age limit.</param>
    /// <param name="MaxCount">At most this many entries are kept; null: no count limit.</param>
    public sealed record RetentionRequest(int? MaxAgeDays, long? MaxCount);

    private static Results<Ok<JsonObject>, ProblemHttpResult> List(ClaimsPrincipal user, ILogStore store, string? tenant)
    {
        var principal = user.ToLogPrincipal()!;
        var wanted = tenant ?? principal.Tenant;
        var isOperator = principal.Scopes.Contains(LogScopes.Operator);
        if (!string.Equals(wanted, principal.Tenant, StringComparison.Ordinal) && !isOperator)
        {
            return ApiProblems.Create(StatusCodes.Status403Forbidden, "streams", "other-tenant", "Only operators list other tenants' streams.", $"tenant {principal.Tenant} may not list tenant {wanted}");
        }

        var heads = store.GetHeads().Where(h => (tenant is null && isOperator) || string.Equals(h.Tenant, wanted, StringComparison.Ordinal));
        return TypedResults.Ok(new JsonObject { ["streams"] = new JsonArray([.. heads.Select(h => (JsonNode)StreamView.Of(store, h))]) });
    }

    private static async Task<Results<Created<JsonObject>, ProblemHttpResult>> CreateAsync(
        CreateStreamRequest request, ClaimsPrincipal user, IPolicyDecisionPoint policy, ClusterDirectory directory, IServiceProvider services, ILogStore store, CancellationToken cancellationToken)
    {
        var principal = user.ToLogPrincipal()!;
        var tenant = request.Tenant ?? principal.Tenant;
        if (request.Name is null || !StreamView.TrySplit(tenant, request.Name, out var streamId))
        {
            return ApiProblems.Create(StatusCodes.Status400BadRequest, "streams", "invalid-name", "The stream id is invalid.",
                "tenant and stream names are 1-64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter, digit or '_'");
        }

        if (request.Retention is { MaxAgeDays: <= 0 } or { MaxCount: <= 0 })
        {
            return ApiProblems.Create(StatusCodes.Status400BadRequest, "streams", "invalid-retention", "The retention policy is invalid.", "maxAgeDays and maxCount must be positive or null");
        }

        var decision = policy.Authorize(principal, PolicyAction.Administer, new PolicyResource(tenant, request.Name));
        if (!decision.Allowed)
        {
            return ApiProblems.Denied(decision);
        }

        if (!directory.IsKeyService)
        {
            // Only T may draw A_0; tell the client where T is (RFC 9110 §15.5.20).
            var keyService = directory.KeyService.ApiUrl.ToString().TrimEnd('/');
            return ApiProblems.Create(StatusCodes.Status421MisdirectedRequest, "streams", "not-key-service", "Streams are created on the key-service replica.",
                $"send this request to {keyService}", new Dictionary<string, object?> { ["keyServiceUrl"] = keyService });
        }

        CommandQuorum quorum;
        try
        {
            var retention = request.Retention is { } r ? StreamView.RetentionOf(r.MaxAgeDays, r.MaxCount) : RetentionPolicy.KeepAll;
            quorum = await services.GetRequiredService<StreamCreator>().CreateAsync(tenant, request.Name, retention, cancellationToken).ConfigureAwait(false);
        }
        catch (QuorumUnavailableException ex)
        {
            return ApiProblems.NoQuorum(ex);
        }

        if (quorum.Agreed.Outcome != CommandOutcome.Committed)
        {
            return ApiProblems.Rejected(streamId, quorum.Agreed);
        }

        var view = await ViewAfterAsync(store, streamId, quorum, cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/v1/streams/{streamId}", view);
    }

    private static Results<Ok<JsonObject>, ProblemHttpResult> Get(string tenant, string name, ClaimsPrincipal user, IPolicyDecisionPoint policy, ILogStore store)
    {
        if (!StreamView.TrySplit(tenant, name, out var streamId))
        {
            return ApiProblems.StreamNotFound(streamId);
        }

        var principal = user.ToLogPrincipal()!;
        var resource = new PolicyResource(tenant, name);
        var decisions = new[] { PolicyAction.Read, PolicyAction.Write, PolicyAction.Administer, PolicyAction.Audit, PolicyAction.Operate }
            .Select(a => policy.Authorize(principal, a, resource)).ToList();
        if (!decisions.Any(d => d.Allowed))
        {
            return ApiProblems.Denied(decisions[0]);
        }

        return store.GetHead(streamId) is { } head ? TypedResults.Ok(StreamView.Of(store, head)) : ApiProblems.StreamNotFound(streamId);
    }

    private static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> CloseAsync(
        string tenant, string name, ClaimsPrincipal user, IPolicyDecisionPoint policy, ICommandGateway gateway, ClusterDirectory directory, ILogStore store, CancellationToken cancellationToken)
    {
        if (!StreamView.TrySplit(tenant, name, out var streamId))
        {
            return ApiProblems.StreamNotFound(streamId);
        }

        var decision = policy.Authorize(user.ToLogPrincipal()!, PolicyAction.Administer, new PolicyResource(tenant, name));
        if (!decision.Allowed)
        {
            return ApiProblems.Denied(decision);
        }

        CommandQuorum quorum;
        try
        {
            quorum = await gateway.SubmitAsync(new CloseStreamCommand(streamId), directory.F + 1, cancellationToken).ConfigureAwait(false);
        }
        catch (QuorumUnavailableException ex)
        {
            return ApiProblems.NoQuorum(ex);
        }

        return quorum.Agreed.Outcome == CommandOutcome.Committed
            ? TypedResults.Ok(await ViewAfterAsync(store, streamId, quorum, cancellationToken).ConfigureAwait(false))
            : ApiProblems.Rejected(streamId, quorum.Agreed);
    }

    private static async Task<JsonObject> ViewAfterAsync(ILogStore store, string streamId, CommandQuorum quorum, CancellationToken cancellationToken)
    {
        await LocalCatchUp.WaitAsync(store, quorum.Agreed.Statement!.Instance, CatchUpPatience, cancellationToken).ConfigureAwait(false);
        return store.GetHead(streamId) is { } head
            ? StreamView.Of(store, head)
            : new JsonObject { ["streamId"] = streamId, ["lastSequence"] = quorum.Agreed.Statement.LastSequence };
    }
}
