using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LogService.Console.Components.Pages;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LogService.Console.SignIn;

/// <summary>
/// OpenID Connect sign-in with the authorization-code flow and PKCE (RFC 7636), as a public client: the console
/// holds no client secret. The reviewer's access token is kept only inside the encrypted session cookie and
/// forwarded to the Log Core API; the ID token is checked (signature, issuer, audience, nonce) and dropped.
/// </summary>
internal static class CodeFlowSignIn
{
    public const string CallbackPath = "/signin-oidc";
    public const string TenantClaim = "tenant";
    public const string ScopeClaim = "scope";
    private const string PendingCookie = "LogService.Console.SignIn";
    private static readonly JsonWebTokenHandler IdTokens = new();

    public static void MapCodeFlowSignIn(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(string.Empty).AllowAnonymous();
        group.MapGet("/signin", (Delegate)Start);
        group.MapGet(CallbackPath, (Delegate)Complete);
        group.MapPost("/signout", (Delegate)SignOut);
    }

    private static async Task<IResult> Start(HttpContext context, IssuerDiscovery discovery, IDataProtectionProvider protection, IOptions<ConsoleOptions> options, string? returnUrl)
    {
        var issuer = await TryDiscover(discovery, context.RequestAborted);
        if (issuer is null)
        {
            return Failed("The sign-in service cannot be reached. Try again in a moment.", 503);
        }

        var pending = new PendingSignIn(Random(), Random(), Random(), IsLocal(returnUrl) ? returnUrl! : "/");
        context.Response.Cookies.Append(PendingCookie, Protector(protection).Protect(JsonSerializer.Serialize(pending)), new CookieOptions
        {
            HttpOnly = true,
            Secure = context.Request.IsHttps,
            SameSite = SameSiteMode.Lax,
            MaxAge = TimeSpan.FromMinutes(10),
            Path = CallbackPath,
        });
        var o = options.Value;
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = o.ClientId,
            ["redirect_uri"] = RedirectUri(context),
            ["scope"] = o.Scope,
            ["state"] = pending.State,
            ["nonce"] = pending.Nonce,
            ["code_challenge"] = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(pending.Verifier))),
            ["code_challenge_method"] = "S256",
        };
        if (o.Resource is { } resource)
        {
            query["resource"] = resource;
        }

        return Results.Redirect(QueryHelpers.AddQueryString(issuer.AuthorizationEndpoint, query));
    }

    private static async Task<IResult> Complete(
        HttpContext context, IssuerDiscovery discovery, IDataProtectionProvider protection, IOptions<ConsoleOptions> options, IHttpClientFactory http)
    {
        var query = context.Request.Query;
        context.Response.Cookies.Delete(PendingCookie, new CookieOptions { Path = CallbackPath });
        if (query["error"].ToString() is { Length: > 0 } error)
        {
            return Failed($"The sign-in service refused: {error}. {query["error_description"]}", 401);
        }

        var pending = ReadPending(context, protection);
        var state = query["state"].ToString();
        if (pending is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(state), Encoding.UTF8.GetBytes(pending.State)))
        {
            return Failed("This sign-in was not started here or took too long. Start again.", 400);
        }

        var issuer = await TryDiscover(discovery, context.RequestAborted);
        if (issuer is null)
        {
            return Failed("The sign-in service cannot be reached. Try again in a moment.", 503);
        }

        var o = options.Value;
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = query["code"].ToString(),
            ["redirect_uri"] = RedirectUri(context),
            ["client_id"] = o.ClientId,
            ["code_verifier"] = pending.Verifier,
        };
        if (o.Resource is { } resource)
        {
            form["resource"] = resource;
        }

        using var response = await http.CreateClient(nameof(CodeFlowSignIn)).PostAsync(issuer.TokenEndpoint, new FormUrlEncodedContent(form), context.RequestAborted);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(context.RequestAborted));
        var tokens = body.RootElement;
        if (!response.IsSuccessStatusCode || !tokens.TryGetProperty("access_token", out var accessToken) || !tokens.TryGetProperty("id_token", out var idToken))
        {
            var reason = tokens.TryGetProperty("error_description", out var d) ? d.GetString() : $"status {(int)response.StatusCode}";
            return Failed($"The sign-in service did not issue tokens: {reason}.", 401);
        }

        var identity = await ValidateIdToken(idToken.GetString()!, pending.Nonce, discovery, o.ClientId, context.RequestAborted);
        if (identity is null)
        {
            return Failed("The sign-in service's identity token did not check out (signature, issuer, audience or nonce).", 401);
        }

        var expiresIn = tokens.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var seconds) ? seconds : 300;
        var scopes = tokens.TryGetProperty("scope", out var s) ? s.GetString() ?? string.Empty : string.Empty;
        var claims = new List<Claim>
        {
            // Issuers that release no profile claims (oidc-provider without the profile scope) name the person by subject.
            new(ClaimTypes.Name, identity.TryGetClaim("name", out var name) ? name.Value : identity.Subject),
            new("sub", identity.Subject),
            new(ScopeClaim, scopes),
        };
        if (identity.TryGetClaim(TenantClaim, out var tenant))
        {
            claims.Add(new Claim(TenantClaim, tenant.Value));
        }

        var properties = new AuthenticationProperties { ExpiresUtc = DateTimeOffset.UtcNow.AddSeconds(expiresIn), IsPersistent = false, AllowRefresh = false };
        properties.StoreTokens([new AuthenticationToken { Name = "access_token", Value = accessToken.GetString()! }]);
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, "oidc", ClaimTypes.Name, null));
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal, properties);
        return Results.LocalRedirect(pending.ReturnUrl);
    }

    private static async Task<IResult> SignOut(HttpContext context)
    {
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Results.LocalRedirect("/signed-out");
    }

    private static async Task<JsonWebToken?> ValidateIdToken(string idToken, string nonce, IssuerDiscovery discovery, string clientId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var issuer = await discovery.GetAsync(cancellationToken);
            var result = await IdTokens.ValidateTokenAsync(idToken, new TokenValidationParameters
            {
                ValidIssuer = issuer.Issuer,
                ValidAudience = clientId,
                IssuerSigningKeys = issuer.SigningKeys,
                ClockSkew = TimeSpan.FromMinutes(1),
            });
            if (result.IsValid)
            {
                var token = (JsonWebToken)result.SecurityToken;
                return token.TryGetClaim("nonce", out var n) && n.Value == nonce ? token : null;
            }

            // A key the cached set lacks may be a rotated one: fetch the keys once more before giving up.
            if (result.Exception is not SecurityTokenSignatureKeyNotFoundException)
            {
                return null;
            }

            discovery.Refresh();
        }

        return null;
    }

    private static async Task<Microsoft.IdentityModel.Protocols.OpenIdConnect.OpenIdConnectConfiguration?> TryDiscover(IssuerDiscovery discovery, CancellationToken cancellationToken)
    {
        try
        {
            return await discovery.GetAsync(cancellationToken);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static PendingSignIn? ReadPending(HttpContext context, IDataProtectionProvider protection)
    {
        if (context.Request.Cookies[PendingCookie] is not { } cookie)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<PendingSignIn>(Protector(protection).Unprotect(cookie));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static RazorComponentResult<SignInFailed> Failed(string reason, int status) =>
        new(new { Reason = reason }) { StatusCode = status };

    private static IDataProtector Protector(IDataProtectionProvider protection) => protection.CreateProtector("LogService.Console.SignIn.v1");

    private static string RedirectUri(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}{CallbackPath}";

    private static string Random() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    private static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));

    /// <summary>What the callback needs to finish a sign-in, kept in an encrypted cookie scoped to the callback path.</summary>
    private sealed record PendingSignIn(string State, string Verifier, string Nonce, string ReturnUrl);
}
