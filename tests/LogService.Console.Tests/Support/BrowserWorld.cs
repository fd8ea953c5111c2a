using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace LogService.Console.Tests.Support;

/// <summary>
/// What every browser-test world shares: headless Debian chromium driven by Playwright, consoles started in this
/// process against a given issuer and API, sign-in through the issuer's form, and screenshots of the main views.
/// </summary>
/// <remarks>
/// Waits are on conditions and generous (a loaded 2-core machine can take seconds to render a page); no test asserts
/// on elapsed time. Screenshots go to <c>docs/screenshots</c> when <c>LOGSERVICE_SCREENSHOTS=1</c>, else to the
/// world's temporary folder, so an ordinary test run leaves the working tree alone.
/// </remarks>
public abstract class BrowserWorld : IAsyncLifetime
{
    public const string Password = "correct horse battery";
    private readonly List<WebApplication> apps = [];
    private IPlaywright? playwright;

    public string Root { get; } = Directory.CreateTempSubdirectory("logservice-console-").FullName;

    /// <summary>The console reviewers of the first tenant (acme) sign in to.</summary>
    public string ConsoleUrl { get; protected set; } = string.Empty;

    public IBrowser Browser { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(30_000);
        await StartAsync();
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath(),
            Headless = true,
            Args = ["--no-sandbox"],
        });
    }

    /// <summary>A fresh browser context (no cookies) with a page, 1280×800 unless asked otherwise.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        context.SetDefaultTimeout(30_000);
        context.SetDefaultNavigationTimeout(90_000);
        return await context.NewPageAsync();
    }

    /// <summary>Opens <paramref name="path"/> of <paramref name="console"/> (default <see cref="ConsoleUrl"/>) and signs in at the issuer's form.</summary>
    public async Task<IPage> SignedInPageAsync(string user, string path = "/", int width = 1280, int height = 800, string? console = null)
    {
        console ??= ConsoleUrl;
        var page = await NewPageAsync(width, height);
        await page.GotoAsync(console + path);
        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // Back at the console once its document is parsed; the caller's expectations wait for what they look for.
        // Waiting for the full load as well only adds a way to time out on a busy machine.
        await page.WaitForURLAsync(
            url => url.StartsWith(console, StringComparison.Ordinal),
            new() { WaitUntil = WaitUntilState.DOMContentLoaded, Timeout = 90_000 });
        return page;
    }

    /// <summary>Saves what <paramref name="page"/> shows as <c>{name}.png</c> (see the remarks for where).</summary>
    public async Task ScreenshotAsync(IPage page, string name)
    {
        var folder = Environment.GetEnvironmentVariable("LOGSERVICE_SCREENSHOTS") == "1"
            ? Path.Combine(RepositoryRoot(), "docs", "screenshots")
            : Path.Combine(Root, "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png") });
    }

    public virtual async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
        foreach (var app in apps)
        {
            await app.DisposeAsync();
        }

        Directory.Delete(Root, recursive: true);
    }

    /// <summary>Starts the API and issuers this world needs, and its console(s) with <see cref="StartConsoleAsync"/>.</summary>
    protected abstract Task StartAsync();

    /// <summary>Starts a console on a free loopback port that signs people in at <paramref name="authority"/> and reads <paramref name="apiUrls"/> (with <paramref name="extraSettings"/>, e.g. <c>Console:Scope</c>).</summary>
    protected async Task<string> StartConsoleAsync(string authority, IEnumerable<string> apiUrls, Dictionary<string, string?>? extraSettings = null)
    {
        var settings = new Dictionary<string, string?>(extraSettings ?? []) { ["Console:Authority"] = authority.TrimEnd('/') };
        foreach (var (url, i) in apiUrls.Select((u, i) => (u, i)))
        {
            settings[$"Console:ApiUrls:{i}"] = url.TrimEnd('/');
        }

        var console = ConsoleHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Logging.ClearProviders();
            if (Environment.GetEnvironmentVariable("LOGSERVICE_CONSOLE_LOG") == "1")
            {
                builder.Logging.AddSimpleConsole();
            }

            builder.Configuration.AddInMemoryCollection(settings);
        });
        await console.StartAsync();
        Track(console);
        return console.Urls.First();
    }

    /// <summary>Stops <paramref name="app"/> with this world.</summary>
    protected void Track(WebApplication app) => apps.Add(app);

    /// <summary>The local issuer's <c>local-users.yaml</c>: every user has <see cref="Password"/>; the console may sign in on any loopback port.</summary>
    protected static string LocalUsers(params (string Name, string Tenant, string Scopes)[] users)
    {
        var hash = LogService.Core.Policies.ClientSecretHash.Create(Password);
        var yaml = new System.Text.StringBuilder("users:\n");
        foreach (var (name, tenant, scopes) in users)
        {
            yaml.Append($"  - name: {name}\n    tenant: {tenant}\n    passwordHash: {hash}\n    scopes: [{scopes}]\n");
        }

        return yaml.Append("signInClients:\n  - id: logservice-console\n    redirectUris: [http://127.0.0.1/signin-oidc]\n").ToString();
    }

    private static string ChromiumPath() =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("Debian chromium is not installed (apt-get install chromium); ./build.sh test installs it");

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LogService.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (LogService.sln) was not found above the test binaries");
    }
}
