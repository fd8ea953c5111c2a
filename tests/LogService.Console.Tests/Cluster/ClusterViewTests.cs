using System.Text.Json.Nodes;
using LogService.Console.Tests.Support;
using Microsoft.Playwright;

namespace LogService.Console.Tests.Cluster;

/// <summary>Every view of the console over a real four-replica deployment, with a screenshot of each.</summary>
[Collection(ClusterWorldCollection.Name)]
public sealed class ClusterViewTests(ClusterWorld world)
{
    [Fact]
    public async Task StreamsListsTheTenantsStreamsWithTheirVolume()
    {
        var page = await world.SignedInPageAsync("alice", "/");

        var row = page.Locator("tr", new() { Has = page.GetByRole(AriaRole.Link, new() { Name = "acme/app", Exact = true }) });
        await Assertions.Expect(row).ToContainTextAsync(ClusterWorld.AppEntries.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(row.GetByRole(AriaRole.Img)).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "acme/orders" })).ToBeVisibleAsync();
        await world.ScreenshotAsync(page, "streams");
    }

    [Fact]
    public async Task EventsSearchPagesAndFiltersByAClickedPropertyValue()
    {
        var page = await world.SignedInPageAsync("alice", "/events?stream=acme/app&limit=25");
        await Assertions.Expect(page.Locator("#results tbody tr")).ToHaveCountAsync(25);
        await world.ScreenshotAsync(page, "events");

        await page.GetByRole(AriaRole.Link, new() { Name = "Older" }).ClickAsync();
        await Assertions.Expect(page.Locator("#results tbody tr")).ToHaveCountAsync(25);
        Assert.Contains("cursor=", page.Url, StringComparison.Ordinal);

        await page.GotoAsync(world.ConsoleUrl + "/events?stream=acme/app&limit=200&prop.Sku=A-1");
        var keys = await page.Locator("#results tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.key)");
        Assert.Equal(23, keys.Length); // i % 4 == 1 for i < 90
        Assert.All(keys, k => Assert.True(int.Parse(k.Split('#')[1], System.Globalization.CultureInfo.InvariantCulture) % 4 == 2, k));
        await Assertions.Expect(page.Locator("#results")).Not.ToContainTextAsync("A-2");
    }

    [Fact]
    public async Task AnOpenedEntryShowsItsProofVerifiedAgainstTheReplicasSignatures()
    {
        var page = await world.SignedInPageAsync("alice", "/events?stream=acme/app&level=Error");
        await page.Locator("#results tbody tr").First.GetByRole(AriaRole.Link, new() { Name = "Open entry" }).ClickAsync();

        await Assertions.Expect(page.Locator("#proof")).ToContainTextAsync("inclusion proof verified");
        await Assertions.Expect(page.GetByText("✓ verified")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("pre.exception")).ToContainTextAsync("InvalidOperationException");
        await world.ScreenshotAsync(page, "entry");
    }

    [Fact]
    public async Task AnEntryShowsTheWritersSourceSequenceSoGapsCanBeSeen()
    {
        // Sequence 0 opens the stream, so entry 3 is the batch's third, with source sequence start + 2.
        var page = await world.SignedInPageAsync("alice", "/entry/acme/orders/3");

        var sourceSequence = page.Locator("dt", new() { HasText = "Source sequence" }).Locator("xpath=following-sibling::dd[1]");
        await Assertions.Expect(sourceSequence).ToHaveTextAsync((ClusterWorld.OrdersSequenceStart + 2).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task VerifyChecksTheWholeStreamOnTheReplicas()
    {
        var page = await world.SignedInPageAsync("alice", "/verify");
        await page.GetByLabel("Stream").SelectOptionAsync("acme/orders");
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();

        await Assertions.Expect(page.Locator("#verify-result")).ToContainTextAsync("All 26 entries verified");
        await world.ScreenshotAsync(page, "verify");
    }

    [Fact]
    public async Task ChartsDrawTheVolumeOfTheEntriesWritten()
    {
        var page = await world.SignedInPageAsync("alice", "/charts?stream=acme/app&range=24h");

        await Assertions.Expect(page.Locator("svg rect[data-count]").First).ToBeVisibleAsync();
        var total = await page.Locator("#by-level svg rect[data-count]").EvaluateAllAsync<int>("bars => bars.reduce((s, b) => s + Number(b.dataset.count), 0)");
        Assert.Equal(ClusterWorld.AppEntries, total);
        var perMinute = await page.Locator("#ingest-rate svg rect[data-count]").EvaluateAllAsync<int>("bars => bars.reduce((s, b) => s + Number(b.dataset.count), 0)");
        Assert.Equal(ClusterWorld.AppEntries, perMinute);
        await world.ScreenshotAsync(page, "charts");
    }

    [Fact]
    public async Task LiveTailShowsAnEntryWrittenToTheCluster()
    {
        var page = await world.SignedInPageAsync("alice", "/tail?stream=acme/tail");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Live");

        await world.WriteAsync("acme/tail", "web-9", [ClusterWorld.Entry(DateTimeOffset.UtcNow, "Warning", "tail probe {N}", new JsonObject { ["N"] = 1 })]);
        await Assertions.Expect(page.GetByText("tail probe 1")).ToBeVisibleAsync();
        await world.ScreenshotAsync(page, "tail");
    }

    [Fact]
    public async Task OperatorsSeeEveryReplicaAndTheCapturedProtocol()
    {
        var page = await world.SignedInPageAsync("olivia", "/replicas");
        await Assertions.Expect(page.Locator("#replicas tbody tr .badge.verified")).ToHaveCountAsync(4);
        await Assertions.Expect(page.GetByText("Current leader")).ToBeVisibleAsync();
        await world.ScreenshotAsync(page, "replicas");

        // Every replica captures the protocol into _system/bft; the policy lets operators of any tenant read it.
        var response = await page.GotoAsync(world.ConsoleUrl + "/protocol");
        Assert.Equal(200, response!.Status);
        await Assertions.Expect(page.Locator("#protocol tbody tr", new() { HasText = "Decided" }).First).ToBeVisibleAsync();
        var phases = await page.Locator("#quorum svg rect").EvaluateAllAsync<int[]>("bars => bars.map(b => Number(b.dataset.count))");
        Assert.NotEmpty(phases);
        Assert.All(phases, ms => Assert.InRange(ms, 0, 600_000));
        await world.ScreenshotAsync(page, "protocol");

        await page.GetByLabel("Event type").SelectOptionAsync("Checkpoint");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(page.Locator("#protocol tbody tr", new() { HasText = "Decided" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AuditorsSeeWhoReadWhatAndWhatWasDenied()
    {
        var reviewer = await world.SignedInPageAsync("alice", "/events?stream=acme/orders");
        await Assertions.Expect(reviewer.Locator("#results tbody tr").First).ToBeVisibleAsync();

        var page = await world.SignedInPageAsync("audrey", "/audit");
        await Assertions.Expect(page.Locator("#audit tbody tr", new() { HasText = "acme/orders" }).First).ToBeVisibleAsync();
        await world.ScreenshotAsync(page, "audit");
    }
}
