using LogService.Console.Tests.Support;
using Microsoft.Playwright;

namespace LogService.Console.Tests;

[Collection(ConsoleWorldCollection.Name)]
public sealed class TenantIsolationTests(ConsoleWorld world)
{
    [Fact]
    public async Task AReviewerOfOneTenantSeesNothingOfAnother()
    {
        var page = await world.SignedInPageAsync("alice", "/");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "acme/app" })).ToBeVisibleAsync();
        Assert.DoesNotContain("globex", await page.ContentAsync(), StringComparison.Ordinal);

        // Every stream the reviewer may read: none of the other tenant's entries among them.
        await page.GotoAsync(world.ConsoleUrl + "/events?limit=1000");
        var keys = await page.Locator("#results tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.key)");
        Assert.NotEmpty(keys);
        Assert.All(keys, k => Assert.StartsWith("acme/", k, StringComparison.Ordinal));
        Assert.DoesNotContain("globex confidential", await page.ContentAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/events?stream=globex/app")]
    [InlineData("/entry/globex/app/0")]
    public async Task AnotherTenantsStreamIsADeniedPageThatSaysWhy(string path)
    {
        var page = await world.SignedInPageAsync("alice", "/");
        var response = await page.GotoAsync(world.ConsoleUrl + path);

        Assert.Equal(403, response!.Status);
        var alert = page.GetByRole(AriaRole.Alert);
        await Assertions.Expect(alert).ToContainTextAsync("Access denied");
        await Assertions.Expect(alert).ToContainTextAsync("tenant-isolation");
        Assert.DoesNotContain("globex confidential", await page.ContentAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheProtocolStreamIsForOperatorsWhoSeeLeaderChangesAndMisbehaviourStandOut()
    {
        var reviewer = await world.SignedInPageAsync("alice", "/protocol");
        await Assertions.Expect(reviewer.GetByRole(AriaRole.Alert)).ToContainTextAsync("Access denied");

        var operatorPage = await world.SignedInPageAsync("olivia", "/protocol");
        await Assertions.Expect(operatorPage.Locator("#protocol tbody tr")).ToHaveCountAsync(6);
        await Assertions.Expect(operatorPage.Locator("tr.stand-out")).ToHaveCountAsync(2);
        // Two decided instances, three phases each: 6 ms to the third WRITE, 5 more to the third ACCEPT, 4 more to execution.
        var phases = await operatorPage.Locator("#quorum svg rect").EvaluateAllAsync<string[]>("bars => bars.map(b => b.dataset.count)");
        Assert.Equal(["6", "5", "4", "6", "5", "4"], phases);
        await operatorPage.GetByLabel("Event type").SelectOptionAsync("LeaderChanged");
        await operatorPage.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(operatorPage.Locator("#protocol tbody tr")).ToHaveCountAsync(1);
    }
}
