using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using LogService.Core.Policies;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace LogService.Server.Identity;

/// <summary>
/// The authorization-code grant at the token endpoint (RFC 6749 §4.1.3) for public clients: the code verifier
/// (RFC 7636, S256 only) proves the caller is the one that started the sign-in. Answers an access token for the
/// user's tenant audience and an OpenID Connect ID token for the client.
/// </summary>
internal sealed class LocalCodeExchange(
    AuthorizationCodeStore codes,
    LocalTokenService tokens,
    IPolicySource policy,
    IOptions<LocalIssuerOptions> options)
{
    public TokenOutcome Redeem(IReadOnlyDictionary<string, string> form)
    {
        var code = form.GetValueOrDefault("code");
        var clientId = form.GetValueOrDefault("client_id");
        var verifier = form.GetValueOrDefault("code_verifier");
        if (string.IsNullOrEmpty(code) || string.IsNullOrEmpty(clientId) || string.IsNullOrEmpty(verifier))
        {
            return TokenOutcome.Fail(400, "invalid_request", "code, client_id and code_verifier are required");
        }

        // Redeemed (and so spent) before any check: a code that failed once cannot be tried again.
        var grant = codes.Redeem(code);
        if (grant is null || grant.ClientId != clientId || grant.RedirectUri != form.GetValueOrDefault("redirect_uri")
            || !ChallengeMatches(verifier, grant.CodeChallenge))
        {
            return TokenOutcome.Fail(400, "invalid_grant", "the code is unknown, expired, already used, or was issued for another client, redirect URI or verifier");
        }

        if (!policy.Current.Tenants.TryGetValue(grant.User.Tenant, out var tenant))
        {
            return TokenOutcome.Fail(400, "invalid_grant", $"the user's tenant {grant.User.Tenant} is not registered");
        }

        var scope = string.Join(' ', grant.Scopes);
        var lifetime = options.Value.TokenLifetime;
        var accessToken = tokens.CreateAccessToken(grant.User.Name, clientId, scope, tenant);
        var idClaims = new List<Claim> { new("sub", grant.User.Name), new("name", grant.User.Name), new("tenant", tenant.Id) };
        if (grant.Nonce is { } nonce)
        {
            idClaims.Add(new Claim("nonce", nonce));
        }

        var idToken = tokens.Sign(clientId, lifetime, "JWT", idClaims);
        return TokenOutcome.Success(new TokenResponse(accessToken, "Bearer", (int)lifetime.TotalSeconds, scope, idToken));
    }

    private static bool ChallengeMatches(string verifier, string challenge)
    {
        var computed = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(computed), Encoding.ASCII.GetBytes(challenge));
    }
}
