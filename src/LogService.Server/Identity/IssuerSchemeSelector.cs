using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LogService.Server.Identity;

/// <summary>
/// Routes a request to the JwtBearer scheme of the tenant whose registered issuer equals the token's
/// <c>iss</c>. The claim is read unvalidated only to pick the scheme; that scheme then validates the token
/// against that issuer's keys alone, so one tenant's issuer can never vouch for another's tokens.
/// </summary>
internal static class IssuerSchemeSelector
{
    private const string BearerPrefix = "Bearer ";
    private static readonly JsonWebTokenHandler Reader = new();

    public static string Select(HttpContext context, TenantSchemeRegistry registry)
    {
        var issuer = UnvalidatedIssuer(context.Request);
        return (issuer is null ? null : registry.SchemeOfIssuer(issuer)) ?? LogServiceAuthentication.UnknownIssuerScheme;
    }

    public static bool HasBearerToken(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase);

    private static string? UnvalidatedIssuer(HttpRequest request)
    {
        if (!HasBearerToken(request))
        {
            return null;
        }

        var token = request.Headers.Authorization.ToString()[BearerPrefix.Length..].Trim();
        if (!Reader.CanReadToken(token))
        {
            return null;
        }

        try
        {
            return Reader.ReadJsonWebToken(token).Issuer;
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenException)
        {
            return null;
        }
    }
}
