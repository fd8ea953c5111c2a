using System.Net;
using LogService.Server.Tests.Support;

namespace LogService.Server.Tests.Identity;

public sealed class TenantTokenTests(TwoTenantClouds clouds) : IClassFixture<TwoTenantClouds>
{
    private HttpClient Api => clouds.Api.Client;

    [Fact]
    public async Task ATokenOfTenantAIsAcceptedAndMappedFromItsClaims()
    {
        var token = await clouds.TenantA.GetTokenAsync("logs.write logs.read", TestPolicy.Audience);

        var principal = await ProblemAssert.AcceptedAsync(Api, "/probe/write", token);

        Assert.Equal("tenant-a", principal.Tenant);
        Assert.Equal("cloud-a", principal.Cloud);
        Assert.Equal("node-7", principal.Node);
        Assert.Equal(OidcProvider.ClientId, principal.User);
        Assert.Equal("eu", principal.Region);
        Assert.Equal(["logs.read", "logs.write"], principal.Scopes.Order());
    }

    [Fact]
    public async Task TheIssuerDecidesTheTenantNotTheTokensTenantClaims()
    {
        var token = await clouds.TenantB.GetTokenAsync("logs.write", TestPolicy.Audience);

        var principal = await ProblemAssert.AcceptedAsync(Api, "/probe/write", token);

        Assert.Equal("tenant-b", principal.Tenant);
        Assert.Equal("us", principal.Region);
    }

    [Fact]
    public async Task ATokenWithoutTheRequiredScopeIsForbidden()
    {
        var token = await clouds.TenantA.GetTokenAsync("logs.read", TestPolicy.Audience);

        var reason = await ProblemAssert.RefusedAsync(Api, "/probe/write", token, HttpStatusCode.Forbidden);

        Assert.Contains("logs.write", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequestWithoutATokenIsUnauthorized()
    {
        var reason = await ProblemAssert.RefusedAsync(Api, "/probe/read", null, HttpStatusCode.Unauthorized);

        Assert.Contains("bearer access token is required", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATokenFromAnUnregisteredIssuerIsRejected()
    {
        using var stranger = SigningKey.EcP256("stranger");
        var token = TokenForge.Sign(stranger.Credentials, "http://127.0.0.1:9/", TestPolicy.Audience, "logs.read");

        var reason = await ProblemAssert.RefusedAsync(Api, "/probe/read", token, HttpStatusCode.Unauthorized);

        Assert.Contains("not a registered tenant issuer", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenantBsKeyCannotMintTokensForTenantA()
    {
        var token = TokenForge.Sign(clouds.TenantB.Key.Credentials, clouds.TenantA.Issuer, TestPolicy.Audience, "logs.read");

        var reason = await ProblemAssert.RefusedAsync(Api, "/probe/read", token, HttpStatusCode.Unauthorized);

        Assert.Contains("signed by a key of its issuer", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATokenWithAnAlteredPayloadIsRejected()
    {
        var genuine = await clouds.TenantA.GetTokenAsync("logs.read", TestPolicy.Audience);
        var forged = TokenForge.WithPayloadClaim(genuine, "scope", "logs.read logs.write");

        var reason = await ProblemAssert.RefusedAsync(Api, "/probe/write", forged, HttpStatusCode.Unauthorized);

        Assert.Contains("signature is invalid", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATokenForAnotherAudienceIsRejected()
    {
        var token = await clouds.TenantA.GetTokenAsync("logs.read", TwoTenantClouds.OtherAudience);

        var reason = await ProblemAssert.RefusedAsync(Api, "/probe/read", token, HttpStatusCode.Unauthorized);

        Assert.Contains("audience", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APlainJwtThatIsNotAnAccessTokenIsRejected()
    {
        var token = TokenForge.Sign(clouds.TenantA.Key.Credentials, clouds.TenantA.Issuer, TestPolicy.Audience, "logs.read", type: "JWT");

        var reason = await ProblemAssert.RefusedAsync(Api, "/probe/read", token, HttpStatusCode.Unauthorized);

        Assert.Contains("at+jwt", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnsignedTokenIsRejected()
    {
        var token = TokenForge.Unsigned(clouds.TenantA.Issuer, TestPolicy.Audience, "logs.read");

        var reason = await ProblemAssert.RefusedAsync(Api, "/probe/read", token, HttpStatusCode.Unauthorized);

        Assert.Contains("signature", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExpiredTokenIsRejected()
    {
        var issued = DateTime.UtcNow.AddMinutes(-20);
        var token = TokenForge.Sign(clouds.TenantA.Key.Credentials, clouds.TenantA.Issuer, TestPolicy.Audience, "logs.read",
            issuedAt: issued, expires: issued.AddMinutes(10));

        var reason = await ProblemAssert.RefusedAsync(Api, "/probe/read", token, HttpStatusCode.Unauthorized);

        Assert.Contains("expired", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATokenSignedWithTheIssuersOwnKeyIsAcceptedByTheSameRules()
    {
        // Guards the attacks above: they fail for the reason they test, not because forged tokens never pass.
        var token = TokenForge.Sign(clouds.TenantA.Key.Credentials, clouds.TenantA.Issuer, TestPolicy.Audience, "logs.read");

        var principal = await ProblemAssert.AcceptedAsync(Api, "/probe/read", token);

        Assert.Equal("tenant-a", principal.Tenant);
    }
}
