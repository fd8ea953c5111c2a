using System.Net;
using System.Text.Json.Nodes;
using LogService.Core.Policies;
using LogService.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace LogService.Server.Tests.Identity;

public sealed class TenantRegistryReloadTests : IAsyncLifetime
{
    private readonly TestPolicy policy = new();
    private OidcProvider provider = null!;
    private TestApp api = null!;

    public async Task InitializeAsync()
    {
        provider = await OidcProvider.StartAsync(SigningKey.EcP256("reload-key"), [TestPolicy.Audience], new JsonObject());
        policy.Write([TestPolicy.Tenant("bystander", "https://idp.bystander.example")]);
        api = await TestApp.StartApiAsync(policy.Directory);
    }

    public async Task DisposeAsync()
    {
        await api.DisposeAsync();
        await provider.DisposeAsync();
        policy.Dispose();
    }

    [Fact]
    public async Task ATenantAddedToTheRegistryIsAcceptedAndARemovedOneRefusedWithoutRestart()
    {
        var token = await provider.GetTokenAsync("logs.read", TestPolicy.Audience);
        await ProblemAssert.RefusedAsync(api.Client, "/probe/read", token, HttpStatusCode.Unauthorized);

        await ReloadAsync([TestPolicy.Tenant("bystander", "https://idp.bystander.example"), TestPolicy.Tenant("newcomer", provider.Issuer)]);
        Assert.Equal("newcomer", (await ProblemAssert.AcceptedAsync(api.Client, "/probe/read", token)).Tenant);

        await ReloadAsync([TestPolicy.Tenant("bystander", "https://idp.bystander.example")]);
        var reason = await ProblemAssert.RefusedAsync(api.Client, "/probe/read", token, HttpStatusCode.Unauthorized);
        Assert.Contains("not a registered tenant issuer", reason, StringComparison.Ordinal);
    }

    private async Task ReloadAsync(IEnumerable<string> tenants)
    {
        var source = api.App.Services.GetRequiredService<IPolicySource>();
        var reloaded = new TaskCompletionSource<PolicyReloadedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        EventHandler<PolicyReloadedEventArgs> onReload = (_, e) => reloaded.TrySetResult(e);
        source.Reloaded += onReload;
        try
        {
            policy.Write(tenants);
            Assert.Null((await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(20))).Error);
        }
        finally
        {
            source.Reloaded -= onReload;
        }
    }
}
