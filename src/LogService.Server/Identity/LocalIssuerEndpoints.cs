using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LogService.Server.Identity;

/// <summary>
/// The embedded local issuer: discovery, key set and token endpoint for the client-credentials grant (clients from
/// the policy files) and the authorization-code grant (people who sign in at its form, see <see cref="LocalSignInEndpoints"/>). It can run alone or beside the API; register its URL as a tenant issuer to accept its tokens.
/// </summary>
public static class LocalIssuerEndpoints
{
    private static readonly string[] GrantTypes = ["client_credentials", "authorization_code"];
    private static readonly string[] ResponseTypes = ["code"];
    private static readonly string[] ChallengeMethods = ["S256"];
    private static readonly string[] SubjectTypes = ["public"];
    private static readonly string[] AuthMethods = ["client_secret_basic", "client_secret_post"];
    private static readonly string[] Algorithms = ["ES256"];

    /// <summary>Registers the local issuer's services, its options (validated at start) and the policy.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">Configuration holding <see cref="LocalIssuerOptions.Section"/> and <see cref="Core.Policies.PolicyOptions.Section"/>.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddLocalIssuer(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddLogServicePolicies(configuration);
        services.AddOptions<LocalIssuerOptions>().BindConfiguration(LocalIssuerOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LocalIssuerOptions>, LocalIssuerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LocalIssuerSigningKey>();
        services.TryAddSingleton<LocalIssuerAddress>();
        services.TryAddSingleton<LocalTokenService>();
        services.TryAddSingleton<LocalSignInDirectory>();
        services.TryAddSingleton<AuthorizationCodeStore>();
        services.TryAddSingleton<LocalCodeExchange>();
        return services;
    }

    /// <summary>
    /// Maps <c>/.well-known/openid-configuration</c>, <c>/.well-known/oauth-authorization-server</c>,
    /// <c>/jwks</c>, <c>/token</c> and the sign-in form at <c>/authorize</c> at the root of <paramref name="endpoints"/>.
    /// </summary>
    /// <param name="endpoints">The application or a route group.</param>
    /// <returns>The group holding the issuer's endpoints.</returns>
    public static RouteGroupBuilder MapLocalIssuer(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(string.Empty).AllowAnonymous().WithTags("Local issuer");
        group.MapGet("/.well-known/openid-configuration", GetMetadata).WithName("GetLocalIssuerDiscovery");
        group.MapGet("/.well-known/oauth-authorization-server", GetMetadata).WithName("GetLocalIssuerMetadata");
        group.MapGet("/jwks", GetKeySet).WithName("GetLocalIssuerKeySet");
        group.MapPost("/token", IssueToken).WithName("IssueLocalToken").DisableAntiforgery();
        group.MapLocalSignIn();
        return group;
    }

    private static Ok<IssuerMetadata> GetMetadata(LocalIssuerAddress address, Core.Policies.IPolicySource policy)
    {
        var issuer = address.Issuer;
        var scopes = policy.Current.LocalClients.Values.SelectMany(c => c.Scopes).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return TypedResults.Ok(new IssuerMetadata(
            issuer, issuer + "/authorize", issuer + "/token", issuer + "/jwks", GrantTypes, AuthMethods, scopes, Algorithms, ResponseTypes, ChallengeMethods, SubjectTypes));
    }

    private static Ok<JsonObject> GetKeySet(LocalIssuerSigningKey key, HttpContext context)
    {
        context.Response.Headers.CacheControl = "public, max-age=300";
        var jwk = new JsonObject
        {
            ["kty"] = "EC",
            ["crv"] = "P-256",
            ["x"] = key.X,
            ["y"] = key.Y,
            ["kid"] = key.KeyId,
            ["use"] = "sig",
            ["alg"] = "ES256",
        };
        return TypedResults.Ok(new JsonObject { ["keys"] = new JsonArray(jwk) });
    }

    private static async Task<Results<JsonHttpResult<TokenResponse>, JsonHttpResult<OAuthError>>> IssueToken(
        HttpContext context, LocalTokenService tokens, LocalCodeExchange codes)
    {
        context.Response.Headers.CacheControl = "no-store";
        if (!context.Request.HasFormContentType)
        {
            return TypedResults.Json(new OAuthError("invalid_request", "the request must be application/x-www-form-urlencoded"), statusCode: 400);
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var fields = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        var outcome = fields.GetValueOrDefault("grant_type") == "authorization_code"
            ? codes.Redeem(fields)
            : tokens.Issue(context.Request.Headers.Authorization.ToString(), fields);
        if (outcome.Token is { } token)
        {
            return TypedResults.Json(token);
        }

        if (outcome.ChallengeBasic)
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"logservice\"";
        }

        return TypedResults.Json(outcome.Error!, statusCode: outcome.Status);
    }
}
