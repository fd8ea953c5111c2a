using System.Text.Json.Nodes;
using LogService.Console.Tests.Support;
using Microsoft.Playwright;

namespace LogService.Console.Tests;

[Collection(ConsoleWorldCollection.Name)]
public sealed class LiveTailTests(ConsoleWorld world)
{
    // "Within 2 seconds" is counted in the tail's own polls (one a second), not in wall-clock time, so a loaded
    // machine cannot fail it: the entry must be in the answer of the first or second poll started after it was stored.
    [Fact]
    public async Task ANewEntryAppearsByTheNextPollAndPauseHoldsItBack()
    {
        var page = await world.SignedInPageAsync("alice", "/tail?stream=acme/tail");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Live");

        var before = await Counter(page, "polls");
        world.Store.Append("acme/tail", DateTimeOffset.UtcNow, 3, "web-9", "tail probe one", new JsonObject());
        var row = page.Locator("#tail tbody tr", new() { HasText = "tail probe one" });
        await Assertions.Expect(row).ToBeVisibleAsync();
        // The poll counted as `before` may still be fetching and bring it (0), and one more may start between that
        // count and the append and miss it; the first poll started after the append cannot miss it (so at most 2).
        Assert.InRange(int.Parse((await row.GetAttributeAsync("data-poll"))!, System.Globalization.CultureInfo.InvariantCulture) - before, 0, 2);

        await page.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        world.Store.Append("acme/tail", DateTimeOffset.UtcNow, 3, "web-9", "tail probe two", new JsonObject());
        var paused = await Counter(page, "ticks");
        await page.WaitForFunctionAsync("n => Number(document.getElementById('tail-source').dataset.ticks) >= n", paused + 3);
        await Assertions.Expect(page.GetByText("tail probe two")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Assertions.Expect(page.GetByText("tail probe two")).ToBeVisibleAsync();
    }

    private static async Task<int> Counter(IPage page, string name) =>
        await page.EvaluateAsync<int>($"() => Number(document.getElementById('tail-source').dataset.{name} || 0)");
}
