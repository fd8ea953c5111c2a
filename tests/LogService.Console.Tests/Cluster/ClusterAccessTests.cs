using System.Collections.Concurrent;
using LogService.Console.Tests.Support;
using Microsoft.Playwright;

namespace LogService.Console.Tests.Cluster;

/// <summary>
/// Attacks on what the console shows, against the real deployment's authentication, policy and redaction: another
/// tenant's reviewer, a reviewer without rights to a stream, and a redacted field that must never reach the browser.
/// Every response the browser receives is recorded and searched, not only what the page displays.
/// </summary>
[Collection(ClusterWorldCollection.Name)]
public sealed class ClusterAccessTests(ClusterWorld world)
{
    [Theory]
    [InlineData("/events?stream=acme/app")]
    [InlineData("/entry/acme/app/0")]
    [InlineData("/charts?stream=acme/app")]
    public async Task AnotherTenantsReviewerIsDeniedAndSeesNothingOfIt(string path)
    {
        var page = await world.SignedInPageAsync("bob", "/", console: world.GlobexConsoleUrl);
        var seen = await Record(page);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "globex/app" })).ToBeVisibleAsync();

        var response = await page.GotoAsync(world.GlobexConsoleUrl + path);

        Assert.Equal(403, response!.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("denied");
        Assert.DoesNotContain(seen, b => b.Contains("acme/app", StringComparison.Ordinal) && b.Contains("Stock for", StringComparison.Ordinal));
        Assert.DoesNotContain("Stock for", await page.ContentAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReviewersOwnTenantListShowsNoOtherTenant()
    {
        var page = await world.SignedInPageAsync("alice", "/");
        var seen = await Record(page);
        await page.GotoAsync(world.ConsoleUrl + "/events?limit=500");
        await Assertions.Expect(page.Locator("#results tbody tr").First).ToBeVisibleAsync();

        var keys = await page.Locator("#results tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.key)");
        Assert.All(keys, k => Assert.StartsWith("acme/", k, StringComparison.Ordinal));
        Assert.DoesNotContain(seen, b => b.Contains("globex", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/protocol")]
    [InlineData("/events?stream=_system/bft")]
    public async Task AReviewerWithoutRightsToAStreamGetsADeniedPageThatSaysWhy(string path)
    {
        var page = await world.SignedInPageAsync("alice", "/");
        var response = await page.GotoAsync(world.ConsoleUrl + path);

        Assert.Equal(403, response!.Status);
        var alert = page.GetByRole(AriaRole.Alert);
        await Assertions.Expect(alert).ToContainTextAsync("denied");
        await Assertions.Expect(alert).ToContainTextAsync("may not read streams of tenant '_system'");
        await Assertions.Expect(alert).ToContainTextAsync("tenant-isolation");
        await Assertions.Expect(page.Locator("#protocol")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ARedactedFieldNeverReachesTheBrowser()
    {
        var page = await world.SignedInPageAsync("alice", "/");
        var seen = await Record(page);

        await page.GotoAsync(world.ConsoleUrl + "/events?stream=acme/app&text=Login");
        var row = page.Locator("#results tbody tr").First;
        await Assertions.Expect(row).ToContainTextAsync("[redacted]");
        await row.GetByRole(AriaRole.Link, new() { Name = "Open entry" }).ClickAsync();
        await Assertions.Expect(page.Locator("#proof")).ToContainTextAsync("inclusion proof");
        await Assertions.Expect(page.GetByText("[redacted]").First).ToBeVisibleAsync();

        Assert.True(seen.Count >= 3, "the browser's responses were recorded");
        var leak = seen.FirstOrDefault(b => b.Contains(ClusterWorld.RedactedValue, StringComparison.Ordinal));
        Assert.True(leak is null, $"the redacted value reached the browser: …{Around(leak, ClusterWorld.RedactedValue)}…");

        // Searching for the hidden value cannot probe it either (the page echoes the reviewer's own search, so this comes last).
        await page.GotoAsync(world.ConsoleUrl + "/events?stream=acme/app&text=" + ClusterWorld.RedactedValue);
        await Assertions.Expect(page.Locator("#results tbody tr")).ToHaveCountAsync(0);
    }

    private static string Around(string? text, string value)
    {
        var at = text?.IndexOf(value, StringComparison.Ordinal) ?? -1;
        return at < 0 ? string.Empty : text![Math.Max(0, at - 300)..Math.Min(text.Length, at + value.Length + 100)];
    }

    // Every response the page receives passes through here (documents, scripts' fetches, redirects), so what the
    // browser got is known exactly, not only what it displays.
    private static async Task<ConcurrentQueue<string>> Record(IPage page)
    {
        var seen = new ConcurrentQueue<string>();
        await page.RouteAsync("**/*", async route =>
        {
            var response = await route.FetchAsync(new() { MaxRedirects = 0 });
            seen.Enqueue(string.Join('\n', response.Headers.Select(h => $"{h.Key}: {h.Value}")) + "\n\n" + await response.TextAsync());
            await route.FulfillAsync(new() { Response = response });
        });
        return seen;
    }
}
