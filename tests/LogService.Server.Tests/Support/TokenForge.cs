using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LogService.Server.Tests.Support;

/// <summary>Builds the tokens an attacker would present.</summary>
internal static class TokenForge
{
    private static readonly JsonWebTokenHandler Handler = new();

    public static string Sign(SigningCredentials credentials, string issuer, string audience, string scope,
        string type = "at+jwt", DateTime? expires = null, DateTime? issuedAt = null)
    {
        var iat = issuedAt ?? DateTime.UtcNow;
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = iat,
            NotBefore = iat,
            Expires = expires ?? iat.AddMinutes(5),
            TokenType = type,
            SigningCredentials = credentials,
            Subject = new ClaimsIdentity([new Claim("sub", "intruder"), new Claim("scope", scope)]),
        });
    }

    public static string Unsigned(string issuer, string audience, string scope)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = $$"""{"alg":"none","typ":"at+jwt"}""";
        var payload = $$"""{"iss":"{{issuer}}","aud":"{{audience}}","sub":"intruder","scope":"{{scope}}","iat":{{now}},"exp":{{now + 300}}}""";
        return $"{Encode(header)}.{Encode(payload)}.";
    }

    /// <summary>Keeps a real token's header and signature but swaps its payload.</summary>
    public static string WithPayloadClaim(string token, string claim, string value)
    {
        var parts = token.Split('.');
        var payload = System.Text.Json.Nodes.JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
        payload[claim] = value;
        return $"{parts[0]}.{Encode(payload.ToJsonString())}.{parts[2]}";
    }

    private static string Encode(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
}
