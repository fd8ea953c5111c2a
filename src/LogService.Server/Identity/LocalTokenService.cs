using System.Net;
using System.Security.Claims;
using System.Text;
using LogService.Core.Policies;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LogService.Server.Identity;

/// <summary>The client-credentials grant of the local issuer (RFC 6749 §4.4), issuing RFC 9068 access tokens.</summary>
internal sealed class LocalTokenService(
    IPolicySource policy,
    LocalIssuerSigningKey key,
    LocalIssuerAddress address,
    IOptions<LocalIssuerOptions> options,
    TimeProvider time)
{
    // Unknown clients are checked against this hash too, so response time does not reveal which ids exist.
    private static readonly Lazy<string> DecoyHash = new(() => ClientSecretHash.Create(Guid.NewGuid().ToString()));
    private static readonly JsonWebTokenHandler Writer = new();

    public TokenOutcome Issue(string? authorizationHeader, IReadOnlyDictionary<string, string> form)
    {
        if (form.GetValueOrDefault("grant_type") != "client_credentials")
        {
            return TokenOutcome.Fail(400, "unsupported_grant_type", "only client_credentials and authorization_code are supported");
        }

        var basic = ParseBasic(authorizationHeader);
        var posted = form.TryGetValue("client_id", out var postedId) ? (postedId, form.GetValueOrDefault("client_secret")) : default;
        if (basic is not null && posted != default)
        {
            return TokenOutcome.Fail(400, "invalid_request", "use one client authentication method, not two");
        }

        var (clientId, secret) = basic ?? posted;
        var client = clientId is null ? null : policy.Current.LocalClients.GetValueOrDefault(clientId);
        var secretMatches = ClientSecretHash.Verify(secret ?? string.Empty, client?.SecretHash ?? DecoyHash.Value);
        if (client is null || !secretMatches)
        {
            return TokenOutcome.Fail(401, "invalid_client", "client authentication failed", challengeBasic: basic is not null);
        }

        var requested = form.GetValueOrDefault("scope")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (requested.FirstOrDefault(s => !client.Scopes.Contains(s)) is { } refused)
        {
            return TokenOutcome.Fail(400, "invalid_scope", $"the client may not request scope {refused}");
        }

        var tenant = policy.Current.Tenants[client.Tenant];
        if (form.GetValueOrDefault("resource") is { } resource && resource != tenant.Audience)
        {
            return TokenOutcome.Fail(400, "invalid_target", "this issuer issues tokens only for its tenant's audience");
        }

        var scope = string.Join(' ', requested.Length > 0 ? requested.Distinct(StringComparer.Ordinal) : client.Scopes.Order(StringComparer.Ordinal));
        var lifetime = options.Value.TokenLifetime;
        var token = CreateAccessToken(client.ClientId, client.ClientId, scope, tenant);
        return TokenOutcome.Success(new TokenResponse(token, "Bearer", (int)lifetime.TotalSeconds, scope));
    }

    /// <summary>
    /// An RFC 9068 access token for <paramref name="subject"/> of <paramref name="tenant"/>, valid for the configured
    /// lifetime. The local issuer's clients and users live in their tenant's home region, which jurisdiction rules
    /// compare with a stream's.
    /// </summary>
    public string CreateAccessToken(string subject, string clientId, string scope, TenantRegistration tenant) =>
        Sign(tenant.Audience, options.Value.TokenLifetime, "at+jwt",
        [
            new Claim("sub", subject),
            new Claim("client_id", clientId),
            new Claim("scope", scope),
            new Claim("jti", Guid.NewGuid().ToString("N")),
            new Claim("region", tenant.Region),
        ]);

    /// <summary>A JWT signed with the issuer's key, issued now.</summary>
    public string Sign(string audience, TimeSpan lifetime, string tokenType, IEnumerable<Claim> claims)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return Writer.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = address.Issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            TokenType = tokenType,
            SigningCredentials = key.Credentials,
            Subject = new ClaimsIdentity(claims),
        });
    }

    private static (string? Id, string? Secret)? ParseBasic(string? header)
    {
        const string prefix = "Basic ";
        if (header is null || !header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[prefix.Length..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);

            // RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined.
            return colon < 0 ? (null, null) : (WebUtility.UrlDecode(decoded[..colon]), WebUtility.UrlDecode(decoded[(colon + 1)..]));
        }
        catch (FormatException)
        {
            return (null, null);
        }
    }
}

/// <summary>A token response or an OAuth error, with its HTTP status.</summary>
internal sealed record TokenOutcome(int Status, TokenResponse? Token, OAuthError? Error, bool ChallengeBasic)
{
    public static TokenOutcome Success(TokenResponse token) => new(200, token, null, false);

    public static TokenOutcome Fail(int status, string error, string description, bool challengeBasic = false) =>
        new(status, null, new OAuthError(error, description), challengeBasic);
}
