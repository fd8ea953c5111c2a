using Microsoft.IdentityModel.Tokens;

namespace LogService.Server.Identity;

/// <summary>RFC 7807 answers for requests that fail authentication or authorization: a reason, never internals.</summary>
internal static class AuthProblems
{
    public static Task WriteUnauthorizedAsync(HttpContext context, string reason)
    {
        // RFC 6750 §3: tell the client the bearer token is what failed, without echoing validation internals.
        context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        return WriteAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized", reason);
    }

    public static Task WriteForbiddenAsync(HttpContext context, string reason) =>
        WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden", reason);

    /// <summary>A short, safe description of why a token was refused.</summary>
    public static string Describe(Exception? failure) => failure switch
    {
        null => "a bearer access token is required",
        SecurityTokenExpiredException => "the token has expired",
        SecurityTokenNotYetValidException => "the token is not valid yet",
        SecurityTokenInvalidAudienceException => "the token is not issued for this service (audience)",
        SecurityTokenInvalidIssuerException => "the token's issuer does not match the tenant's registered issuer",
        SecurityTokenInvalidTypeException => "the token type must be at+jwt (an OAuth 2.0 access token)",
        SecurityTokenInvalidAlgorithmException => "the token's signature algorithm is not allowed",
        SecurityTokenSignatureKeyNotFoundException => "the token is not signed by a key of its issuer",
        SecurityTokenInvalidSignatureException => "the token's signature is invalid",
        SecurityTokenNoExpirationException => "the token has no expiry",
        SecurityTokenMalformedException => "the token is malformed",
        UnknownIssuerException unknown => unknown.Message,
        _ => "the token was not accepted",
    };

    private static Task WriteAsync(HttpContext context, int status, string title, string reason) =>
        TypedResults.Problem(detail: reason, statusCode: status, title: title).ExecuteAsync(context);
}

/// <summary>A token whose issuer is not a registered tenant, or a request that carries no readable token.</summary>
internal sealed class UnknownIssuerException(string message) : Exception(message);
