using LogService.Console.Tests.Support;
using Microsoft.Playwright;

namespace LogService.Console.Tests;

[Collection(ConsoleWorldCollection.Name)]
public sealed class SignInTests(ConsoleWorld world)
{
    [Fact]
    public async Task AReviewerSignsInThroughTheIssuersFormAndLandsOnTheViewAsked()
    {
        var page = await world.SignedInPageAsync("alice", "/events");

        Assert.Equal(world.ConsoleUrl + "/events", page.Url);
        await Assertions.Expect(page.GetByText("Signed in as")).ToContainTextAsync("alice");
    }

    [Fact]
    public async Task AWrongPasswordIsRefusedAtTheIssuer()
    {
        var page = await world.NewPageAsync();
        await page.GotoAsync(world.ConsoleUrl + "/");
        await page.GetByLabel("User name").FillAsync("alice");
        await page.GetByLabel("Password").FillAsync("wrong");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Wrong user name or password");
        Assert.DoesNotContain(world.ConsoleUrl, page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AUserOfAnotherTenantCannotSignInAtThisTenantsIssuer()
    {
        var page = await world.NewPageAsync();
        await page.GotoAsync(world.ConsoleUrl + "/");
        await page.GetByLabel("User name").FillAsync("bob");
        await page.GetByLabel("Password").FillAsync(ConsoleWorld.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("belongs to tenant globex");
    }

    [Fact]
    public async Task AReviewerSignsInAtAThirdPartyIssuersOwnFormAndSeesOnlyThatTenantsStreams()
    {
        var page = await world.NewPageAsync();
        await page.GotoAsync(world.InitechConsoleUrl + "/");
        Assert.DoesNotContain(world.InitechConsoleUrl, page.Url, StringComparison.Ordinal);
        await page.GetByLabel("User name").FillAsync(ConsoleWorld.InitechReviewer);
        await page.GetByLabel("Password").FillAsync(ConsoleWorld.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => url.StartsWith(world.InitechConsoleUrl, StringComparison.Ordinal));

        await Assertions.Expect(page.GetByText("Signed in as")).ToContainTextAsync(ConsoleWorld.InitechReviewer);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "initech/shipping" })).ToBeVisibleAsync();
        Assert.DoesNotContain("acme/", await page.ContentAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongPasswordIsRefusedAtTheThirdPartyIssuer()
    {
        var page = await world.NewPageAsync();
        await page.GotoAsync(world.InitechConsoleUrl + "/");
        await page.GetByLabel("User name").FillAsync(ConsoleWorld.InitechReviewer);
        await page.GetByLabel("Password").FillAsync("wrong");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Wrong user name or password");
        Assert.DoesNotContain(world.InitechConsoleUrl, page.Url, StringComparison.Ordinal);
        await page.GotoAsync(world.InitechConsoleUrl + "/");
        await Assertions.Expect(page.GetByLabel("Password")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task SigningOutEndsTheSession()
    {
        var page = await world.SignedInPageAsync("alice");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Signed out" })).ToBeVisibleAsync();

        await page.GotoAsync(world.ConsoleUrl + "/events");
        await Assertions.Expect(page.GetByLabel("Password")).ToBeVisibleAsync();
    }
}
