using System.Text.Json.Nodes;
using LogService.Core.Policies;
using LogService.Server.Identity;
using LogService.Server.Tests.Support;
using LogService.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LogService.Console.Tests.Support;

/// <summary>
/// The in-process world, in addition to <see cref="ClusterWorld"/>: two tenants' local issuers (the production issuer
/// code, with its sign-in form) and a read API stand-in with the real tenant authentication and policy decision point
/// over a <see cref="ContractStore"/> the tests can tamper with and append to at will, on real loopback ports. A
/// third tenant (initech) signs in at a third-party issuer: the npm oidc-provider the server's identity tests run.
/// </summary>
public sealed class ConsoleWorld : BrowserWorld
{
    /// <summary>The person who may sign in at initech's oidc-provider, with <see cref="BrowserWorld.Password"/>.</summary>
    public const string InitechReviewer = "carol";

    private OidcProvider? initechIssuer;

    /// <summary>The console of initech, whose issuer is oidc-provider.</summary>
    public string InitechConsoleUrl { get; private set; } = string.Empty;

    internal ContractStore Store { get; } = new();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (initechIssuer is not null)
        {
            await initechIssuer.DisposeAsync();
        }
    }

    protected override async Task StartAsync()
    {
        var issuerA = $"http://127.0.0.1:{LoopbackPorts.Block(1)}";
        var issuerB = $"http://127.0.0.1:{LoopbackPorts.Block(1)}";
        initechIssuer = await OidcProvider.StartAsync(SigningKey.EcP256("initech-key"), ["https://logservice.test"], [], new JsonObject
        {
            ["clientId"] = "logservice-console",
            ["redirectUris"] = new JsonArray("http://127.0.0.1/signin-oidc"),
            ["users"] = new JsonArray(new JsonObject { ["id"] = InitechReviewer, ["password"] = Password, ["scopes"] = new JsonArray("logs.read") }),
        });
        var policies = Path.Combine(Root, "policies");
        WritePolicies(policies, issuerA, issuerB, initechIssuer.Issuer);
        Seed();

        await StartIssuer(policies, issuerA, "a");
        await StartIssuer(policies, issuerB, "b");
        var api = await Start(policies, null, (builder, s) => s.AddLogServiceIdentity(builder.Configuration), app =>
        {
            app.UseAuthentication();
            app.UseAuthorization();
            ContractApi.Map(app, Store);
        });
        ConsoleUrl = await StartConsoleAsync(issuerA, [api]);
        // oidc-provider prompts for consent again while the grant lacks a requested scope, so ask only for what carol holds.
        InitechConsoleUrl = await StartConsoleAsync(initechIssuer.Issuer, [api], new() { ["Console:Scope"] = "openid logs.read" });
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
        Track(app);
        return app.Urls.First();
    }

    private static void WritePolicies(string directory, string issuerA, string issuerB, string issuerC)
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
              - id: initech
                issuer: {issuerC}
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
        File.WriteAllText(Path.Combine(directory, "local-users.yaml"), LocalUsers(
            ("alice", "acme", "logs.read, logs.audit"), ("olivia", "acme", "operator"), ("bob", "globex", "logs.read")));
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

        Store.CreateStream("initech/shipping");
        for (var i = 0; i < 3; i++)
        {
            Store.Append("initech/shipping", start.AddMinutes(i), 2, "dock-1", "initech pallet loaded " + i, new JsonObject { ["Pallet"] = i });
        }

        Store.CreateStream("acme/_audit");
        Store.Append("acme/_audit", start.AddMinutes(1), 2, "replica-0", "alice read acme/app", new JsonObject { ["Outcome"] = "allowed", ["Stream"] = "acme/app" });
        Store.Append("acme/_audit", start.AddMinutes(2), 3, "replica-0", "alice was denied globex/app", new JsonObject { ["Outcome"] = "denied", ["Stream"] = "globex/app" });
        Store.CreateStream("_system/bft");
        // As the protocol capture writes them: one template per kind, the reporting replica and the quorum's votes as properties.
        const string decided = "Instance {Instance} decided by {LearntBy}: leader {Leader}, {WriteCount} WRITEs and {AcceptCount} ACCEPTs";
        (string Template, int Level)[] events =
        [
            (decided, 2), ("Checkpoint at instance {Instance}", 2), ("Timeout: {Detail}", 3), ("Leader changed: {Detail}", 3), (decided, 2),
            ("Replica {Accused} misbehaved: {Misbehaviour}", 4),
        ];
        for (var i = 0; i < events.Length; i++)
        {
            var t0 = 1_000_000L * i;
            JsonArray Votes(long after) => [.. Enumerable.Range(0, 4).Select(r => (JsonNode)new JsonObject { ["Replica"] = r, ["Time"] = t0 + after + r })];
            Store.Append("_system/bft", start.AddMinutes(i * 3), events[i].Level, "replica-" + (i % 4), events[i].Template, new JsonObject
            {
                ["Reporter"] = i % 4, ["Instance"] = 100 + i, ["Regency"] = i < 3 ? 2 : 3,
                ["Propose"] = new JsonArray(new JsonObject { ["Replica"] = 2, ["Time"] = t0 }), ["Write"] = Votes(4), ["Accept"] = Votes(9), ["ExecutedAt"] = t0 + 15,
            });
        }
    }

}

[CollectionDefinition(Name)]
public sealed class ConsoleWorldCollection : ICollectionFixture<ConsoleWorld>
{
    public const string Name = "console world";
}
