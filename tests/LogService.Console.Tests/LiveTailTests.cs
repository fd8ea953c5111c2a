using System.Text.Json.Nodes;
using LogService.Console.Tests.Support;
using Microsoft.Playwright;

namespace LogService.Console.Tests;

[Collection(ConsoleWorldCollection.Name)]
public sealed class LiveTailTests(ConsoleWorld world)
{
    // The requirement: a new entry appears within 2 seconds.
    private static readonly LocatorAssertionsToBeVisibleOptions WithinTwoSeconds = new() { Timeout = 2000 };

    [Fact]
    public async Task ANewEntryAppearsWithinTwoSecondsAndPauseHoldsItBack()
    {
        var page = await world.SignedInPageAsync("alice", "/tail?stream=acme/tail");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Live");

        world.Store.Append("acme/tail", DateTimeOffset.UtcNow, 3, "web-9", "tail probe one", new JsonObject());
        await Assertions.Expect(page.GetByText("tail probe one")).ToBeVisibleAsync(WithinTwoSeconds);

        await page.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        world.Store.Append("acme/tail", DateTimeOffset.UtcNow, 3, "web-9", "tail probe two", new JsonObject());
        await Task.Delay(2500);
        await Assertions.Expect(page.GetByText("tail probe two")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Assertions.Expect(page.GetByText("tail probe two")).ToBeVisibleAsync(WithinTwoSeconds);
    }
}
