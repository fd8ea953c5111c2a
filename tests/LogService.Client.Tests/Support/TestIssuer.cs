using System.Text.Json.Nodes;
using LogService.Server.Tests.Support;

namespace LogService.Client.Tests.Support;

/// <summary>
/// The real oidc-provider issuer the server tests use (tests/LogService.Server.Tests/idp, started through their
/// <see cref="OidcProvider"/>), on a loopback port, with one client-credentials client whose secret holds a colon
/// and a space, so the client's form-encoding of Basic credentials is exercised. Its access tokens live 300 seconds.
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    public const string ClientId = OidcProvider.ClientId;
    public const string ClientSecret = "writer-secret:for tests";
    public const string Resource = "https://logs.example.test";
    private readonly OidcProvider _provider;

    private TestIssuer(OidcProvider provider)
    {
        _provider = provider;
        Issuer = new Uri(provider.Issuer);
    }

    public Uri Issuer { get; }

    /// <summary>One issuer for a test class.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public TestIssuer Issuer { get; private set; } = null!;

        public async Task InitializeAsync() => Issuer = await StartAsync();

        public async Task DisposeAsync() => await Issuer.DisposeAsync();
    }

    public static async Task<TestIssuer> StartAsync() =>
        new(await OidcProvider.StartAsync(SigningKey.EcP256("k1"), [Resource], new JsonObject(), clientSecret: ClientSecret));

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
