using LogService.Console.Tests.Support;
using Microsoft.Playwright;

namespace LogService.Console.Tests;

[Collection(ConsoleWorldCollection.Name)]
public sealed class EntryViewTests(ConsoleWorld world)
{
    [Fact]
    public async Task AnOpenedEntryShowsItsPropertiesAndItsProofVerifiedByTheConsole()
    {
        var page = await world.SignedInPageAsync("alice", "/events?stream=acme/app&level=Error");
        await page.Locator("#results tbody tr").First.GetByRole(AriaRole.Link, new() { Name = "Open entry" }).ClickAsync();

        await Assertions.Expect(page.Locator("#proof")).ToContainTextAsync("inclusion proof verified");
        await Assertions.Expect(page.Locator("#proof")).ToContainTextAsync("signed by 3 of 4 replicas");
        await Assertions.Expect(page.GetByText("✓ verified")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.List, new() { Name = "Properties" })).ToContainTextAsync("Tier");
        await Assertions.Expect(page.Locator("pre.exception")).ToContainTextAsync("InvalidOperationException");
    }

    [Fact]
    public async Task ATamperedEntryShowsABrokenBadgeAtThatEntryAndItsProofFails()
    {
        world.Store.Tamper("acme/ledger", 17);

        var page = await world.SignedInPageAsync("alice", "/entry/acme/ledger/17");
        await Assertions.Expect(page.Locator(".badge.integrity.broken")).ToHaveTextAsync("✗ broken at entry 17");
        await Assertions.Expect(page.GetByText("bad MAC").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#proof")).ToContainTextAsync("inclusion proof not verified");

        await page.GotoAsync(world.ConsoleUrl + "/events?stream=acme/ledger&limit=200");
        var broken = page.Locator("tr.row-broken");
        await Assertions.Expect(broken).ToHaveCountAsync(1);
        Assert.Equal("acme/ledger#17", await broken.GetAttributeAsync("data-key"));

        await page.GotoAsync(world.ConsoleUrl + "/verify?stream=acme/ledger&run=1");
        await Assertions.Expect(page.Locator("#verify-result")).ToContainTextAsync("First bad entry: #17");
    }

    [Fact]
    public async Task VerifyingAnIntactRangeFillsTheProgressBar()
    {
        var page = await world.SignedInPageAsync("alice", "/verify");
        await page.GetByLabel("Stream").SelectOptionAsync("acme/app");
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();

        await Assertions.Expect(page.Locator("#verify-result")).ToContainTextAsync("All 120 entries verified");
        Assert.Equal("120", await page.Locator("#verify-progress").EvaluateAsync<string>("p => String(p.value)"));
    }

    [Fact]
    public async Task AMissingEntryIsAReadableMessageNotAStackTrace()
    {
        var page = await world.SignedInPageAsync("alice", "/entry/acme/app/99999");

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("No such entry");
        Assert.DoesNotContain("   at ", await page.ContentAsync(), StringComparison.Ordinal);
    }
}
