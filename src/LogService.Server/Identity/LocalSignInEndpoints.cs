using System.Text.Encodings.Web;
using LogService.Core.Policies;

namespace LogService.Server.Identity;

/// <summary>
/// The local issuer's authorization endpoint (RFC 6749 §4.1.1 with PKCE): a minimal sign-in form for the users in
/// <c>local-users.yaml</c>. A successful sign-in redirects to the client with a one-time code for the token endpoint.
/// </summary>
internal static class LocalSignInEndpoints
{
    private static readonly string[] RequestFields = ["response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge", "code_challenge_method"];
    private static readonly Dictionary<string, string> NoRequest = [];
    private static readonly Lazy<string> Decoy = new(() => ClientSecretHash.Create(Guid.NewGuid().ToString()));
    private static readonly HashSet<string> IdentityScopes = new(["openid", "profile"], StringComparer.Ordinal);

    public static void MapLocalSignIn(this RouteGroupBuilder group)
    {
        group.MapGet("/authorize", ShowForm).WithName("ShowLocalSignIn");
        group.MapPost("/authorize", SignIn).WithName("LocalSignIn").DisableAntiforgery();
    }

    private static IResult ShowForm(HttpContext context, LocalSignInDirectory directory)
    {
        var request = context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        return Validate(request, directory.Read().Clients) ?? Page(request, error: null, status: 200);
    }

    private static async Task<IResult> SignIn(
        HttpContext context, LocalSignInDirectory directory, AuthorizationCodeStore codes, IPolicySource policy, LocalIssuerAddress address)
    {
        if (!context.Request.HasFormContentType)
        {
            return Page(NoRequest, "The sign-in form must be posted as a form.", 400);
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var request = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        var (users, clients) = directory.Read();
        if (Validate(request, clients) is { } invalid)
        {
            return invalid;
        }

        var user = users.GetValueOrDefault(request.GetValueOrDefault("username") ?? string.Empty);
        var password = request.GetValueOrDefault("password") ?? string.Empty;

        // Unknown names are checked against a decoy too, so the answer's timing does not reveal which names exist.
        if (!ClientSecretHash.Verify(password, user?.PasswordHash ?? Decoy.Value) || user is null)
        {
            return Page(request, "Wrong user name or password.", 401);
        }

        // The API decides a token's tenant by its issuer, so a user may sign in only at their own tenant's issuer.
        if (!policy.Current.Tenants.TryGetValue(user.Tenant, out var tenant) || tenant.Issuer.AbsoluteUri.TrimEnd('/') != address.Issuer.TrimEnd('/'))
        {
            return Page(request, $"The account {user.Name} belongs to tenant {user.Tenant}, which does not sign in here.", 403);
        }

        var requested = (request.GetValueOrDefault("scope") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(s => !IdentityScopes.Contains(s)).ToHashSet(StringComparer.Ordinal);
        var granted = user.Scopes.Where(s => requested.Count == 0 || requested.Contains(s)).Order(StringComparer.Ordinal).ToList();
        var redirect = request["redirect_uri"];
        var code = codes.Issue(expires => new AuthorizationGrant(
            request["client_id"], redirect, request["code_challenge"], request.GetValueOrDefault("nonce"), user, granted, expires));
        var query = new Dictionary<string, string?> { ["code"] = code, ["state"] = request.GetValueOrDefault("state") };
        return Results.Redirect(Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(redirect, query));
    }

    /// <summary>An error page for a request that cannot be answered by a redirect: never send a code to an unregistered URI.</summary>
    private static IResult? Validate(IReadOnlyDictionary<string, string> request, IReadOnlyDictionary<string, SignInClient> clients)
    {
        var client = clients.GetValueOrDefault(request.GetValueOrDefault("client_id") ?? string.Empty);
        if (client is null)
        {
            return Page(NoRequest, "This application is not registered with the sign-in service.", 400);
        }

        if (!client.Allows(request.GetValueOrDefault("redirect_uri") ?? string.Empty))
        {
            return Page(NoRequest, "The application asked to return to an address it has not registered.", 400);
        }

        if (request.GetValueOrDefault("response_type") != "code")
        {
            return Page(NoRequest, "Only the authorization-code flow (response_type=code) is supported.", 400);
        }

        if (request.GetValueOrDefault("code_challenge_method") != "S256" || string.IsNullOrEmpty(request.GetValueOrDefault("code_challenge")))
        {
            return Page(NoRequest, "The application must use PKCE with S256.", 400);
        }

        return null;
    }

    private static IResult Page(IReadOnlyDictionary<string, string> request, string? error, int status)
    {
        var e = HtmlEncoder.Default;
        var hidden = string.Concat(RequestFields.Where(request.ContainsKey).Select(f =>
            $"<input type=\"hidden\" name=\"{f}\" value=\"{e.Encode(request[f])}\">"));
        var message = error is null ? string.Empty : $"<p role=\"alert\" class=\"error\">{e.Encode(error)}</p>";
        var form = request.Count == 0 ? string.Empty : $"""
            <form method="post" action="authorize">
              {hidden}
              <label for="username">User name</label>
              <input id="username" name="username" autocomplete="username" required autofocus value="{e.Encode(request.GetValueOrDefault("username") ?? string.Empty)}">
              <label for="password">Password</label>
              <input id="password" name="password" type="password" autocomplete="current-password" required>
              <button type="submit">Sign in</button>
            </form>
            """;
        var html = $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sign in · LogService</title>
            <style>
              body { font: 16px system-ui, sans-serif; max-width: 24rem; margin: 4rem auto; padding: 0 1rem; }
              label, input, button { display: block; width: 100%; box-sizing: border-box; }
              input { margin: .25rem 0 1rem; padding: .5rem; } button { padding: .6rem; }
              .error { color: #a00; }
            </style></head>
            <body><main><h1>Sign in to LogService</h1>{{message}}{{form}}</main></body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}
