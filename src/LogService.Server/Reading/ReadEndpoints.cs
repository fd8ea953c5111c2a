using LogService.Core.Policies;
using LogService.Server.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace LogService.Server.Reading;

/// <summary>Maps the reading and key endpoints of docs/api.md and the OpenAPI document.</summary>
public static class ReadEndpoints
{
    /// <summary>
    /// Maps <c>/api/v1/entries…</c>, the per-stream read endpoints, the key service endpoints and
    /// <c>/openapi/v1.json</c>. Every API endpoint needs a tenant access token; what it may read is the policy's decision.
    /// </summary>
    /// <param name="app">The host's endpoints.</param>
    /// <returns>The group of API endpoints.</returns>
    public static RouteGroupBuilder MapReadEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        var api = app.MapGroup("/api/v1").RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = LogServiceAuthentication.Scheme }).WithTags("Reading");

        api.MapGet("/entries", (HttpContext c, [FromServices] EntrySearch search, CancellationToken ct) =>
            WithRequest(c, (caller, request) => search.QueryAsync(c, caller, request, ct))).WithName("QueryEntries").WithSummary("Query entries with filters and cursor paging");
        api.MapGet("/entries/histogram", (HttpContext c, [FromServices] EntrySearch search) =>
            WithRequest(c, (caller, request) => Task.FromResult(search.Histogram(caller, request)))).WithName("EntryHistogram").WithSummary("Entry counts per time bucket and level");
        api.MapGet("/entries/count", (HttpContext c, [FromServices] EntrySearch search) =>
            WithRequest(c, (caller, request) => Task.FromResult(search.Count(caller, request)))).WithName("CountEntries").WithSummary("Number of matching entries");

        var stream = api.MapGroup("/streams/{tenant}/{name}");
        stream.MapGet("/entries/{sequence:long}", (HttpContext c, string tenant, string name, long sequence, [FromServices] StreamReads reads, CancellationToken ct) =>
            Caller(c, caller => reads.EntryAsync(c, caller, tenant, name, sequence, ct))).WithName("GetEntry").WithSummary("One entry with its inclusion proof");
        stream.MapGet("/sealed", (HttpContext c, string tenant, string name, long? from, long? to, [FromServices] StreamReads reads) =>
            Caller(c, caller => Task.FromResult(reads.Sealed(caller, tenant, name, from, to)))).WithName("ExportSealed").WithSummary("Sealed entries of a range, for export and offline verification");
        stream.MapPost("/verify", (HttpContext c, string tenant, string name, long? from, long? to, [FromServices] StreamReads reads, CancellationToken ct) =>
            Caller(c, caller => reads.VerifyAsync(c, caller, tenant, name, from, to, ct))).WithName("VerifyRange").WithSummary("Verify a range with the caller's released keys");
        stream.MapGet("/consistency", (HttpContext c, string tenant, string name, long? first, long? second, [FromServices] StreamReads reads) =>
            Caller(c, caller => Task.FromResult(reads.Consistency(caller, tenant, name, first, second)))).WithName("ConsistencyProof").WithSummary("RFC 6962 consistency proof between tree sizes");
        stream.MapGet("/head", (HttpContext c, string tenant, string name, [FromServices] StreamReads reads) =>
            Caller(c, caller => Task.FromResult(reads.Head(caller, tenant, name)))).WithName("GetHead").WithSummary("This replica's signed head");
        stream.MapGet("/certified-head", (HttpContext c, string tenant, string name, [FromServices] CertifiedHeads heads) =>
            Caller(c, caller => Task.FromResult(heads.Latest(caller, tenant, name)))).WithName("GetCertifiedHead").WithSummary("The latest certified head");
        stream.MapPost("/certified-head", (HttpContext c, string tenant, string name, [FromServices] CertifiedHeads heads, CancellationToken ct) =>
            Caller(c, caller => heads.CertifyAsync(caller, tenant, name, ct))).WithName("CertifyHead").WithSummary("Make a certified head now (2f+1 signatures)");
        stream.MapGet("/tombstones", (HttpContext c, string tenant, string name, [FromServices] StreamReads reads) =>
            Caller(c, caller => Task.FromResult(reads.Tombstones(caller, tenant, name)))).WithName("GetTombstones").WithSummary("What retention removed, and why");
        stream.MapGet("/keys", (HttpContext c, string tenant, string name, long? from, long? to, [FromServices] KeyReads keys) =>
            Caller(c, caller => Task.FromResult(keys.Keys(caller, tenant, name, from, to)))).WithName("ReleaseKeys").WithSummary("Per-entry keys K_j for the caller's read mask (key service only)");
        stream.MapPost("/escrow", (HttpContext c, string tenant, string name, EscrowRequest? request, [FromServices] KeyReads keys) =>
            Caller(c, caller => Task.FromResult(keys.Escrow(caller, tenant, name, request)))).WithName("EscrowSecret").WithSummary("Split the stream's A_0 k-of-m for auditors (key service only)");
        return api;
    }

    private static Task<IResult> Caller(HttpContext context, Func<LogPrincipal, Task<IResult>> handle) =>
        context.User.ToLogPrincipal() is { } caller
            ? handle(caller)
            : Task.FromResult<IResult>(TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: "a bearer access token is required"));

    private static Task<IResult> WithRequest(HttpContext context, Func<LogPrincipal, EntrySearchRequest, Task<IResult>> handle) =>
        Caller(context, caller => EntrySearchRequest.Parse(context.Request.Query) is ({ } request, null)
            ? handle(caller, request)
            : Task.FromResult(ReadProblems.BadRequest("query", EntrySearchRequest.Parse(context.Request.Query).Error!)));
}
