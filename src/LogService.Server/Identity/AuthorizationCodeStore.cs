using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace LogService.Server.Identity;

/// <summary>What an authorization code stands for until it is redeemed.</summary>
internal sealed record AuthorizationGrant(
    string ClientId,
    string RedirectUri,
    string CodeChallenge,
    string? Nonce,
    LocalUser User,
    IReadOnlyList<string> Scopes,
    DateTimeOffset Expires);

/// <summary>
/// Issued authorization codes, kept in memory: each can be redeemed once, within a minute (RFC 6749 §4.1.2
/// recommends at most ten). Codes are lost on restart, which only makes a sign-in in progress start over.
/// </summary>
internal sealed class AuthorizationCodeStore(TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);
    private readonly ConcurrentDictionary<string, AuthorizationGrant> grants = new(StringComparer.Ordinal);

    public string Issue(Func<DateTimeOffset, AuthorizationGrant> grant)
    {
        var now = time.GetUtcNow();
        foreach (var stale in grants.Where(g => g.Value.Expires <= now))
        {
            grants.TryRemove(stale);
        }

        var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        grants[code] = grant(now + Lifetime);
        return code;
    }

    /// <summary>Takes the grant out, so a second redemption of the same code fails.</summary>
    public AuthorizationGrant? Redeem(string code) =>
        grants.TryRemove(code, out var grant) && grant.Expires > time.GetUtcNow() ? grant : null;
}
