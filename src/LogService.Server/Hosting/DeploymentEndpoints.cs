using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Json.Nodes;
using LogService.Server.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LogService.Server.Hosting;

/// <summary>The deployment endpoints: the replica key set, this replica's status, liveness and readiness.</summary>
public static class DeploymentEndpoints
{
    /// <summary>Maps <c>GET /api/v1/replicas</c>, <c>GET /api/v1/status</c>, <c>GET /healthz</c> and <c>GET /readyz</c>.</summary>
    /// <param name="endpoints">The application.</param>
    /// <returns><paramref name="endpoints"/>.</returns>
    public static IEndpointRouteBuilder MapDeploymentEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/api/v1/replicas", GetReplicas).AllowAnonymous().WithName("GetReplicas").WithTags("Deployment");
        endpoints.MapGet("/api/v1/status", GetStatusAsync)
            .RequireTenantCaller()
            .WithName("GetStatus").WithTags("Deployment");
        endpoints.MapGet("/healthz", GetHealth).AllowAnonymous().WithName("GetHealth").WithTags("Deployment");
        endpoints.MapGet("/readyz", GetReadinessAsync).AllowAnonymous().WithName("GetReadiness").WithTags("Deployment");
        return endpoints;
    }

    private static Ok<JsonObject> GetReplicas(ClusterDirectory directory) => TypedResults.Ok(new JsonObject
    {
        ["n"] = directory.N,
        ["f"] = directory.F,
        ["replicas"] = new JsonArray([.. directory.Replicas.Select(r => (JsonNode)new JsonObject
        {
            ["id"] = r.Id,
            ["url"] = r.ApiUrl.ToString().TrimEnd('/'),
            ["signingKey"] = Convert.ToBase64String(r.SigningKey),
            ["agreementKey"] = Convert.ToBase64String(r.AgreementKey),
            ["keyService"] = r.KeyService,
        })]),
    });

    private static async Task<Ok<JsonObject>> GetStatusAsync(
        HttpContext context, ClaimsPrincipal user, ReplicaRuntime runtime, ReplicaStatus status, IHttpClientFactory http, bool? local)
    {
        var own = new JsonObject
        {
            ["replica"] = runtime.Directory.SelfId,
            ["leader"] = status.Regency % runtime.Directory.N,
            ["regency"] = status.Regency,
            ["lastInstance"] = runtime.Store.LastAppliedInstance,
            ["lastCheckpoint"] = status.LastCheckpoint,
            ["healthy"] = runtime.Running && !runtime.Completion.IsCompleted,
        };
        if (local == true || user.ToLogPrincipal()?.Scopes.Contains(LogScopes.Operator) != true)
        {
            return TypedResults.Ok(own);
        }

        // An operator sees every replica's own view, asked with the operator's token and marked unreachable on failure.
        var views = await Task.WhenAll(runtime.Directory.Replicas.Select(async r =>
        {
            if (r.Id == runtime.Directory.SelfId)
            {
                return (JsonNode)own.DeepClone();
            }

            try
            {
                using var client = http.CreateClient();
                client.Timeout = TimeSpan.FromSeconds(3);
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(r.ApiUrl, "/api/v1/status?local=true"));
                request.Headers.Authorization = AuthenticationHeaderValue.Parse(context.Request.Headers.Authorization.ToString());
                using var response = await client.SendAsync(request, context.RequestAborted).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                return JsonNode.Parse(await response.Content.ReadAsStringAsync(context.RequestAborted).ConfigureAwait(false))!;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                return new JsonObject { ["replica"] = r.Id, ["healthy"] = false, ["error"] = "unreachable" };
            }
        })).ConfigureAwait(false);
        own["replicas"] = new JsonArray(views);
        return TypedResults.Ok(own);
    }

    private static Results<Ok<JsonObject>, ProblemHttpResult> GetHealth(ReplicaRuntime runtime) =>
        runtime.Running && !runtime.Completion.IsCompleted
            ? TypedResults.Ok(new JsonObject { ["status"] = "ok" })
            : TypedResults.Problem(type: "urn:logservice:problem:deployment:unhealthy", title: "The replica is not running.", statusCode: StatusCodes.Status503ServiceUnavailable);

    private static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> GetReadinessAsync(ReadinessProbe probe, CancellationToken cancellationToken)
    {
        var problem = await probe.CheckAsync(cancellationToken).ConfigureAwait(false);
        return problem is null
            ? TypedResults.Ok(new JsonObject { ["status"] = "ready" })
            : TypedResults.Problem(type: "urn:logservice:problem:deployment:not-ready", title: "The replica is not ready.", detail: problem, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
