using System.Text.Json.Nodes;
using LogService.Server.Tests.Support;

namespace LogService.Server.Tests.Identity;

/// <summary>
/// Two tenant clouds, each with its own real oidc-provider (A signs ES256, B signs RS256), and the API on
/// loopback with both registered as tenants.
/// </summary>
public sealed class TwoTenantClouds : IAsyncLifetime
{
    public const string OtherAudience = "https://other-service.test";
    private readonly TestPolicy policy = new();

    internal OidcProvider TenantA { get; private set; } = null!;

    internal OidcProvider TenantB { get; private set; } = null!;

    internal TestApp Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        string[] resources = [TestPolicy.Audience, OtherAudience];
        var startA = OidcProvider.StartAsync(SigningKey.EcP256("tenant-a-key"), resources,
            new JsonObject { ["cloud"] = "cloud-a", ["node"] = "node-7", ["region"] = "eu", ["tenant"] = "tenant-b" });

        // B's tokens claim to be A's tenant in every way a token can; only the issuer may decide.
        var startB = OidcProvider.StartAsync(SigningKey.Rsa("tenant-b-key"), resources,
            new JsonObject { ["tenant"] = "tenant-a", ["logservice.tenant"] = "tenant-a", ["region"] = "us" });
        TenantA = await startA;
        TenantB = await startB;
        policy.Write([TestPolicy.Tenant("tenant-a", TenantA.Issuer), TestPolicy.Tenant("tenant-b", TenantB.Issuer, "us")]);
        Api = await TestApp.StartApiAsync(policy.Directory);
    }

    public async Task DisposeAsync()
    {
        if (Api is not null)
        {
            await Api.DisposeAsync();
        }

        if (TenantA is not null)
        {
            await TenantA.DisposeAsync();
        }

        if (TenantB is not null)
        {
            await TenantB.DisposeAsync();
        }

        policy.Dispose();
    }
}
