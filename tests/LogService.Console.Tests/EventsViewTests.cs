using System.Text.RegularExpressions;
using LogService.Console.Tests.Support;
using Microsoft.Playwright;

namespace LogService.Console.Tests;

[Collection(ConsoleWorldCollection.Name)]
public sealed partial class EventsViewTests(ConsoleWorld world)
{
    private ILocator Rows(IPage page) => page.Locator("#results tbody tr");

    [Fact]
    public async Task SearchPagesThroughEveryMatchWithTheCursorInTheUrl()
    {
        var page = await world.SignedInPageAsync("alice", "/events?stream=acme/app");
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(50);
        var seen = new HashSet<string>(await Rows(page).EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.key)"));

        await page.GetByRole(AriaRole.Link, new() { Name = "Older ⟶" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(CursorInUrl());
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(50);
        seen.UnionWith(await Rows(page).EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.key)"));

        await page.GetByRole(AriaRole.Link, new() { Name = "Older ⟶" }).ClickAsync();
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(20);
        seen.UnionWith(await Rows(page).EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.key)"));
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Older ⟶" })).ToHaveCountAsync(0);

        Assert.Equal(120, seen.Count);
    }

    [Fact]
    public async Task TheFormPutsTheWholeQueryInTheUrlAndALinkReproducesIt()
    {
        var page = await world.SignedInPageAsync("alice", "/events");
        await page.GetByLabel("Text").FillAsync("A-3");
        await page.GetByLabel("Minimum level").SelectOptionAsync("Warning");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("text=A-3.*level=Warning"));
        var messages = await Rows(page).Locator("summary").AllInnerTextsAsync();
        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.Contains("A-3", m, StringComparison.Ordinal));

        // The same URL in a new session gives the same rows.
        var shared = await world.SignedInPageAsync("alice", new Uri(page.Url).PathAndQuery);
        Assert.Equal(messages, await Rows(shared).Locator("summary").AllInnerTextsAsync());
    }

    [Fact]
    public async Task ClickingAPropertyValueIncludesOrExcludesIt()
    {
        var page = await world.SignedInPageAsync("alice", "/events?stream=acme/app&limit=200");
        var first = Rows(page).First;
        await first.Locator("summary").ClickAsync();
        var sku = await first.Locator("dd:right-of(dt:text-is('Sku')) code").First.InnerTextAsync();

        await first.GetByRole(AriaRole.Link, new() { Name = $"Include only entries where Sku is {sku}" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"prop.Sku={sku}"));
        var included = await Rows(page).Locator("summary").AllInnerTextsAsync();
        Assert.Equal(30, included.Count);
        Assert.All(included, m => Assert.Contains($"\"{sku}\"", m, StringComparison.Ordinal));
        await Assertions.Expect(page.GetByRole(AriaRole.List, new() { Name = "Property filters" })).ToContainTextAsync($"Sku = {sku}");

        await page.GetByRole(AriaRole.Link, new() { Name = $"Remove filter Sku equals {sku}" }).ClickAsync();
        var row = Rows(page).First;
        await row.Locator("summary").ClickAsync();
        await row.GetByRole(AriaRole.Link, new() { Name = $"Exclude entries where Sku is {sku}" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"notprop.Sku={sku}"));
        var excluded = await Rows(page).Locator("summary").AllInnerTextsAsync();
        Assert.Equal(90, excluded.Count);
        Assert.DoesNotContain(excluded, m => m.Contains($"\"{sku}\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ClickingASourceNodeFiltersByIt()
    {
        var page = await world.SignedInPageAsync("alice", "/events?stream=acme/app&limit=200");
        var first = Rows(page).First;
        await first.Locator("summary").ClickAsync();
        var link = first.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^Show only node ") });
        var node = (await link.GetAttributeAsync("aria-label"))!["Show only node ".Length..];
        await link.ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"sourceNode={node}"));
        await Assertions.Expect(Rows(page)).ToHaveCountAsync(40);
    }

    [GeneratedRegex("cursor=")]
    private static partial Regex CursorInUrl();
}
