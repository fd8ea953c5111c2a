using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using LogService.Core.Policies;
using LogService.Server.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace LogService.Console.Tests.Support;

/// <summary>
/// Everything the browser tests run against, on real loopback ports: two tenants' local issuers (the production
/// issuer code, with its sign-in form), the read API stand-in with the real tenant authentication and policy
/// decision point, the console itself, and headless Debian chromium driven by Playwright.
/// </summary>
public sealed class ConsoleWorld : IAsyncLifetime
{
    public const string Password = "correct horse battery";
    private readonly List<WebApplication> apps = [];
    private IPlaywright? playwright;

    public string Root { get; } = Directory.CreateTempSubdirectory("logservice-console-").FullName;

    internal ContractStore Store { get; } = new();

    public string ConsoleUrl { get; private set; } = string.Empty;

    public IBrowser Browser { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        var issuerA = $"http://127.0.0.1:{FreePort()}";
        var issuerB = $"http://127.0.0.1:{FreePort()}";
        var policies = Path.Combine(Root, "policies");
        WritePolicies(policies, issuerA, issuerB);
        Seed();

        await StartIssuer(policies, issuerA, "a");
        await StartIssuer(policies, issuerB, "b");
        var api = await Start(policies, null, (builder, s) => s.AddLogServiceIdentity(builder.Configuration), app =>
        {
            app.UseAuthentication();
            app.UseAuthorization();
            ContractApi.Map(app, Store);
        });

        var console = ConsoleHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Logging.ClearProviders();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Console:Authority"] = issuerA,
                ["Console:ApiUrls:0"] = api,
            });
        });
        await console.StartAsync();
        apps.Add(console);
        ConsoleUrl = console.Urls.First();

        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath(),
            Headless = true,
            Args = ["--no-sandbox"],
        });
    }

    /// <summary>A fresh browser context (no cookies) with a page at 1280×800.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        return await context.NewPageAsync();
    }

    /// <summary>Opens <paramref name="path"/> and signs in at the issuer's form when asked to.</summary>
    public async Task<IPage> SignedInPageAsync(string user, string path = "/", int width = 1280, int height = 800)
    {
        var page = await NewPageAsync(width, height);
        await page.GotoAsync(ConsoleUrl + path);
        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => url.StartsWith(ConsoleUrl, StringComparison.Ordinal));
        return page;
    }

    public async Task DisposeAsync()
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

    private Task<string> StartIssuer(string policies, string issuer, string name) =>
        Start(policies, new Dictionary<string, string?>
        {
            ["LogService:LocalIssuer:Issuer"] = issuer,
            ["LogService:LocalIssuer:DataDirectory"] = Path.Combine(Root, "issuer-" + name),
        }, (builder, s) => s.AddLocalIssuer(builder.Configuration), app => app.MapLocalIssuer(), issuer);

    private async Task<string> Start(
        string policies, Dictionary<string, string?>? settings, Action<WebApplicationBuilder, IServiceCollection> configure, Action<WebApplication> map, string? url = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Production,
            ContentRootPath = Root,
            Args = ["--urls", url ?? "http://127.0.0.1:0"],
        });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings ?? [])
        {
            ["LogService:Policies:Directory"] = policies,
        });
        configure(builder, builder.Services);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        apps.Add(app);
        return app.Urls.First();
    }

    private static void WritePolicies(string directory, string issuerA, string issuerB)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "tenants.policy.yaml"), $"""
            version: 1
            tenants:
              - id: acme
                issuer: {issuerA}
                audience: https://logservice.test
                region: eu
              - id: globex
                issuer: {issuerB}
                audience: https://logservice.test
                region: eu
            """);
        File.WriteAllText(Path.Combine(directory, "access.policy.yaml"), """
            version: 1
            masks: { app: 0, audit: 3 }
            roles:
              reviewer: { scopes: [logs.read], readMask: [app] }
              auditor: { scopes: [logs.audit], readMask: ['*'] }
              operator: { scopes: [operator], readMask: [app] }
            rules:
              - name: system-streams-are-for-operators
                effect: deny
                roles: [reviewer, auditor]
                actions: [read]
                streams: ['_system/**']
              - name: reviewers-read-own-streams
                effect: allow
                roles: [reviewer, auditor]
                actions: [read]
                streams: ['**']
              - name: operators-read-system-streams
                effect: allow
                roles: [operator]
                actions: [read]
                streams: ['_system/**']
                crossTenant: true
            """);
        var hash = ClientSecretHash.Create(Password);
        File.WriteAllText(Path.Combine(directory, "local-users.yaml"), $"""
            users:
              - name: alice
                tenant: acme
                passwordHash: {hash}
                scopes: [logs.read, logs.audit]
              - name: olivia
                tenant: acme
                passwordHash: {hash}
                scopes: [operator]
              - name: bob
                tenant: globex
                passwordHash: {hash}
                scopes: [logs.read]
            signInClients:
              - id: logservice-console
                redirectUris: [http://127.0.0.1/signin-oidc]
            """);
    }

    private void Seed()
    {
        string[] nodes = ["web-1", "web-2", "worker-1"];
        var start = DateTimeOffset.UtcNow.AddHours(-2);
        Store.CreateStream("acme/app");
        for (var i = 0; i < 120; i++)
        {
            var level = i % 17 == 0 ? 4 : i % 5 == 0 ? 3 : 2;
            var node = nodes[i % 3];
            var sku = "A-" + (i % 4);
            Store.Append("acme/app", start.AddMinutes(i), level, node, $"Stock for \"{sku}\" low: {i % 9}",
                new JsonObject { ["Sku"] = sku, ["Left"] = i % 9, ["Customer"] = new JsonObject { ["Id"] = 1000 + i, ["Tier"] = i % 2 == 0 ? "gold" : "basic" } },
                level == 4 ? "System.InvalidOperationException: stock ledger out of balance\n   at Orders.Stock.Reserve()" : null);
        }

        Store.Certify("acme/app");
        Store.CreateStream("acme/ledger");
        for (var i = 0; i < 50; i++)
        {
            Store.Append("acme/ledger", start.AddMinutes(i), 2, "ledger-1", $"Posted journal line {i}", new JsonObject { ["Line"] = i });
        }

        Store.Certify("acme/ledger");
        Store.CreateStream("acme/tail");
        Store.CreateStream("globex/app");
        for (var i = 0; i < 5; i++)
        {
            Store.Append("globex/app", start.AddMinutes(i), 2, "globex-node", "globex confidential shipment " + i, new JsonObject { ["Secret"] = "globex-only" });
        }

        Store.CreateStream("acme/_audit");
        Store.Append("acme/_audit", start.AddMinutes(1), 2, "replica-0", "alice read acme/app", new JsonObject { ["Outcome"] = "allowed", ["Stream"] = "acme/app" });
        Store.Append("acme/_audit", start.AddMinutes(2), 3, "replica-0", "alice was denied globex/app", new JsonObject { ["Outcome"] = "denied", ["Stream"] = "globex/app" });
        Store.CreateStream("_system/bft");
        string[] events = ["Decided", "Checkpoint", "Timeout", "LeaderChanged", "Decided", "Misbehaviour"];
        for (var i = 0; i < events.Length; i++)
        {
            Store.Append("_system/bft", start.AddMinutes(i * 3), events[i] == "Misbehaviour" ? 4 : 2, "replica-" + (i % 4), $"{events[i]} at replica {i % 4}",
                new JsonObject { ["Event"] = events[i], ["Replica"] = i % 4, ["Regency"] = i < 3 ? 2 : 3 });
        }
    }

    private static string ChromiumPath() =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("Debian chromium is not installed (apt-get install chromium); ./build.sh test installs it");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleWorldCollection : ICollectionFixture<ConsoleWorld>
{
    public const string Name = "console world";
}
