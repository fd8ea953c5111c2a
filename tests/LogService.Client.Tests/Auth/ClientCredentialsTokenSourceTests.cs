using System.Text.Json;
using LogService.Client.Auth;
using LogService.Client.Tests.Support;

namespace LogService.Client.Tests.Auth;

public sealed class ClientCredentialsTokenSourceTests(TestIssuer.Fixture fixture) : IClassFixture<TestIssuer.Fixture>
{
    private readonly ManualTime _time = new();
    private readonly TestIssuer _issuer = fixture.Issuer;

    [Fact]
    public async Task ATokenFromTheIssuerIsForTheRequestedResourceAndIsReusedUntilItNearsExpiry()
    {
        using var source = Source();

        var first = await source.GetTokenAsync();
        _time.Advance(TimeSpan.FromSeconds(239));
        var second = await source.GetTokenAsync();

        Assert.Same(first, second);
        Assert.Equal(1, source.TokensFetched);
        var claims = Claims(first);
        Assert.Equal(TestIssuer.Resource, claims.GetProperty("aud").GetString());
        Assert.Equal(TestIssuer.ClientId, claims.GetProperty("client_id").GetString());
    }

    [Fact]
    public async Task ATokenIsRefreshedBeforeItExpires()
    {
        using var source = Source();
        var first = await source.GetTokenAsync();

        // The issuer's tokens live 300 s; with the default 60 s margin the source refreshes at 240 s.
        _time.Advance(TimeSpan.FromSeconds(241));
        var second = await source.GetTokenAsync();

        Assert.NotEqual(first, second);
        Assert.Equal(2, source.TokensFetched);
        Assert.NotEqual(Claims(first).GetProperty("jti").GetString(), Claims(second).GetProperty("jti").GetString());
    }

    [Fact]
    public async Task ConcurrentCallersShareOneTokenRequest()
    {
        using var source = Source();

        var tokens = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => source.GetTokenAsync().AsTask()));

        Assert.Single(tokens.Distinct());
        Assert.Equal(1, source.TokensFetched);
    }

    [Fact]
    public async Task ARejectedTokenIsReplacedOnTheNextCall()
    {
        using var source = Source();
        var first = await source.GetTokenAsync();

        source.Invalidate("some other token");
        Assert.Same(first, await source.GetTokenAsync());
        source.Invalidate(first);
        var second = await source.GetTokenAsync();

        Assert.NotEqual(first, second);
        Assert.Equal(2, source.TokensFetched);
    }

    [Fact]
    public async Task AWrongSecretIsReportedWithTheIssuersError()
    {
        using var source = Source(secret: "wrong");

        var error = await Assert.ThrowsAsync<TokenAcquisitionException>(() => source.GetTokenAsync().AsTask());

        Assert.Contains("invalid_client", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADiscoveryDocumentForAnotherIssuerIsRefused()
    {
        // The same provider reached by another host name names a different issuer than the authority asked.
        var other = new UriBuilder(_issuer.Issuer) { Host = "localhost" }.Uri;
        using var source = new ClientCredentialsTokenSource(new ClientCredentialsOptions
        {
            Authority = other, ClientId = TestIssuer.ClientId, ClientSecret = TestIssuer.ClientSecret,
        });

        var error = await Assert.ThrowsAsync<TokenAcquisitionException>(() => source.GetTokenAsync().AsTask());

        Assert.Contains("names issuer", error.Message, StringComparison.Ordinal);
    }

    private ClientCredentialsTokenSource Source(string secret = TestIssuer.ClientSecret) => new(
        new ClientCredentialsOptions
        {
            Authority = _issuer.Issuer,
            ClientId = TestIssuer.ClientId,
            ClientSecret = secret,
            Scope = "logs.write",
            Resource = TestIssuer.Resource,
        },
        time: _time);

    private static JsonElement Claims(string jwt)
    {
        var payload = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        return JsonDocument.Parse(Convert.FromBase64String(payload)).RootElement.Clone();
    }
}
