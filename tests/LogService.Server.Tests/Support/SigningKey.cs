using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace LogService.Server.Tests.Support;

/// <summary>A key pair a test identity provider signs with; the test keeps the private half to forge tokens.</summary>
internal sealed class SigningKey : IDisposable
{
    private readonly AsymmetricAlgorithm key;

    private SigningKey(AsymmetricAlgorithm key, SecurityKey securityKey, string algorithm, JsonObject privateJwk)
    {
        this.key = key;
        SecurityKey = securityKey;
        Algorithm = algorithm;
        PrivateJwk = privateJwk;
    }

    public SecurityKey SecurityKey { get; }

    public string Algorithm { get; }

    public JsonObject PrivateJwk { get; }

    public SigningCredentials Credentials => new(SecurityKey, Algorithm);

    public static SigningKey EcP256(string kid)
    {
        var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = ec.ExportParameters(includePrivateParameters: true);
        var jwk = new JsonObject
        {
            ["kty"] = "EC", ["crv"] = "P-256", ["kid"] = kid, ["alg"] = "ES256", ["use"] = "sig",
            ["x"] = B64(p.Q.X), ["y"] = B64(p.Q.Y), ["d"] = B64(p.D),
        };
        return new SigningKey(ec, new ECDsaSecurityKey(ec) { KeyId = kid }, SecurityAlgorithms.EcdsaSha256, jwk);
    }

    public static SigningKey Rsa(string kid)
    {
        var rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(includePrivateParameters: true);
        var jwk = new JsonObject
        {
            ["kty"] = "RSA", ["kid"] = kid, ["alg"] = "RS256", ["use"] = "sig",
            ["n"] = B64(p.Modulus), ["e"] = B64(p.Exponent), ["d"] = B64(p.D), ["p"] = B64(p.P), ["q"] = B64(p.Q),
            ["dp"] = B64(p.DP), ["dq"] = B64(p.DQ), ["qi"] = B64(p.InverseQ),
        };
        return new SigningKey(rsa, new RsaSecurityKey(rsa) { KeyId = kid }, SecurityAlgorithms.RsaSha256, jwk);
    }

    public void Dispose() => key.Dispose();

    private static string B64(byte[]? bytes) => Base64UrlEncoder.Encode(bytes!);
}
