using System.Security.Claims;
using LogService.Core.Policies;

namespace LogService.Server.Identity;

/// <summary>
/// Reads the <see cref="LogPrincipal"/> out of a validated request. The claims it reads are written by the
/// authentication layer after validation; claims of the same names inside a token are dropped, never trusted.
/// </summary>
public static class LogPrincipalClaims
{
    internal const string Prefix = "logservice.";
    internal const string Tenant = Prefix + "tenant";
    internal const string Cloud = Prefix + "cloud";
    internal const string Node = Prefix + "node";
    internal const string User = Prefix + "user";
    internal const string Region = Prefix + "region";
    internal const string Scope = Prefix + "scope";

    /// <summary>The authenticated caller, or <see langword="null"/> when the request was not authenticated by a tenant issuer.</summary>
    /// <param name="user">The request's user.</param>
    /// <returns>The principal the policy decision point takes.</returns>
    public static LogPrincipal? ToLogPrincipal(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var identity = user.Identities.FirstOrDefault(i => i.IsAuthenticated && i.HasClaim(c => c.Type == Tenant));
        if (identity is null)
        {
            return null;
        }

        return new LogPrincipal(
            identity.FindFirst(Tenant)!.Value,
            identity.FindFirst(Cloud)?.Value,
            identity.FindFirst(Node)?.Value,
            identity.FindFirst(User)?.Value ?? string.Empty,
            identity.FindAll(Scope).Select(c => c.Value).ToHashSet(StringComparer.Ordinal),
            identity.FindFirst(Region)?.Value);
    }

    /// <summary>Replaces a validated token's identity by one whose tenant comes from the issuer that signed it.</summary>
    internal static ClaimsPrincipal FromValidatedToken(ClaimsPrincipal token, TenantRegistration tenant, LogServiceAuthenticationOptions options, string authenticationType)
    {
        // Token claims that look like ours are the token's own assertion: drop them.
        var original = token.Claims.Where(c => !c.Type.StartsWith(Prefix, StringComparison.Ordinal)).ToList();
        string? First(string type) => original.FirstOrDefault(c => c.Type == type)?.Value;

        var claims = new List<Claim>(original) { new(Tenant, tenant.Id) };
        AddIfPresent(claims, Cloud, First(options.CloudClaim));
        AddIfPresent(claims, Node, First(options.NodeClaim));
        AddIfPresent(claims, User, First(options.UserClaim) ?? First("client_id"));
        AddIfPresent(claims, Region, First(options.RegionClaim));
        claims.AddRange(ScopesOf(original).Select(s => new Claim(Scope, s)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType, User, null));
    }

    // RFC 9068 uses one space-separated "scope" string; some issuers send "scp" or repeat the claim.
    private static IEnumerable<string> ScopesOf(IEnumerable<Claim> claims) =>
        claims.Where(c => c.Type is "scope" or "scp")
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Distinct(StringComparer.Ordinal);

    private static void AddIfPresent(List<Claim> claims, string type, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            claims.Add(new Claim(type, value));
        }
    }
}
