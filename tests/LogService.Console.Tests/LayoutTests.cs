using LogService.Console.Tests.Support;
using Microsoft.Playwright;

namespace LogService.Console.Tests;

/// <summary>The views in a narrow window and from the keyboard alone.</summary>
[Collection(ConsoleWorldCollection.Name)]
public sealed class LayoutTests(ConsoleWorld world)
{
    [Theory]
    [InlineData("/")]
    [InlineData("/events?stream=acme/app")]
    [InlineData("/entry/acme/app/17")]
    [InlineData("/charts?stream=acme/app")]
    public async Task ANarrowWindowNeedsNoSidewaysScrolling(string path)
    {
        var page = await world.SignedInPageAsync("alice", path, width: 390, height: 844);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();

        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        var (scroll, viewport) = (widths[0], widths[1]);
        var wide = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && e.className.baseVal === undefined ? '.' + e.className : ''))
            """);
        Assert.True(scroll <= viewport, $"{path} is {scroll} px wide in a {viewport} px window: {string.Join(", ", wide)}");
        await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Views" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task TheKeyboardAloneReachesTheContentAndRunsASearch()
    {
        var page = await world.SignedInPageAsync("alice", "/events?stream=acme/app");

        await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("main")).ToBeFocusedAsync();

        await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(page.Locator("#q-text")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("low: 3");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(url => url.Contains("text=low", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("#results tbody tr").First).ToContainTextAsync("low: 3");
    }
}
