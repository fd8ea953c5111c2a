using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using LogService.Testing;

namespace LogService.Console.Tests.Support;

/// <summary>
/// The console against a real deployment: a <see cref="LocalCluster"/> of four replica processes with one local
/// issuer process per tenant (acme, globex), people who sign in at those issuers' forms (<c>local-users.yaml</c> in
/// the cluster's policy folder), entries written through the real write API, and one console per tenant.
/// </summary>
/// <remarks>
/// The cluster's policy (tests/LogService.Testing) makes <c>logs.read</c> a reviewer of its own tenant's streams,
/// <c>logs.audit</c> an auditor, <c>operator</c> a reader of <c>_system/**</c> only, and redacts every field named
/// like <c>**password</c> or <c>**secret</c> for everyone.
/// </remarks>
public sealed class ClusterWorld : BrowserWorld
{
    /// <summary>A value written into a redacted field: it must never reach a browser.</summary>
    public const string RedactedValue = "hunter2-must-never-show";

    /// <summary>Entries in <c>acme/app</c> once the world has started: the 90 written and the stream's opening entry.</summary>
    public const int AppEntries = 91;

    public LocalCluster Cluster { get; private set; } = default!;

    /// <summary>The console of the second tenant (globex), signing in at globex's issuer.</summary>
    public string GlobexConsoleUrl { get; private set; } = string.Empty;

    /// <summary>Writes <paramref name="entries"/> (native batch entries) to <paramref name="stream"/> as its tenant's writer.</summary>
    public async Task WriteAsync(string stream, string node, IEnumerable<JsonObject> entries, long? sequenceStart = null)
    {
        var tenant = stream.Split('/')[0];
        using var http = await Cluster.CreateClientAsync($"{tenant}-writer");
        var batch = new JsonObject { ["source"] = new JsonObject { ["application"] = "orders", ["node"] = node }, ["entries"] = new JsonArray([.. entries]) };
        if (sequenceStart is { } start)
        {
            batch["sequenceStart"] = start;
        }

        using var content = new StringContent(batch.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.logservice.batch+json");
        using var response = await http.PostAsync($"/api/v1/streams/{stream}/entries", content);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>One native batch entry; <paramref name="template"/> is rendered from <paramref name="properties"/>.</summary>
    public static JsonObject Entry(DateTimeOffset time, string level, string template, JsonObject properties, string? exception = null)
    {
        var rendered = properties.Aggregate(template, (text, p) => text.Replace("{" + p.Key + "}", p.Value is JsonValue v ? v.ToString() : p.Value?.ToJsonString(), StringComparison.Ordinal));
        var entry = new JsonObject
        {
            ["timestamp"] = time.ToString("O", CultureInfo.InvariantCulture), ["level"] = level, ["messageTemplate"] = template,
            ["renderedMessage"] = rendered, ["properties"] = properties,
        };
        if (exception is not null)
        {
            entry["exception"] = exception;
        }

        return entry;
    }

    /// <summary>The writer's per-source sequence number of the first entry written to <c>acme/orders</c>.</summary>
    public const long OrdersSequenceStart = 500;

    /// <summary>Starts another console of the first tenant that reads only replica <paramref name="replica"/>.</summary>
    public Task<string> ConsoleOfReplicaAsync(int replica) =>
        StartConsoleAsync(Cluster.IssuerUrl("acme").ToString(), [Cluster.ReplicaUrls[replica].ToString()]);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }

    protected override async Task StartAsync()
    {
        Cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Streams = ["acme/app", "acme/orders", "acme/tail", "acme/payments", "globex/app"],
            ReadyTimeout = TimeSpan.FromMinutes(4), // a loaded CI machine starts four replicas slowly
        });
        // Read on every sign-in, so writing it now is enough; it is not a policy file, the replicas ignore it.
        await File.WriteAllTextAsync(Path.Combine(Cluster.PolicyDirectory, "local-users.yaml"), LocalUsers(
            ("alice", "acme", "logs.read"), ("audrey", "acme", "logs.audit"), ("olivia", "acme", "operator"), ("bob", "globex", "logs.read")));
        await SeedAsync();
        var api = Cluster.ReplicaUrls.Select(u => u.ToString());
        ConsoleUrl = await StartConsoleAsync(Cluster.IssuerUrl("acme").ToString(), api);
        GlobexConsoleUrl = await StartConsoleAsync(Cluster.IssuerUrl("globex").ToString(), api);
    }

    private async Task SeedAsync()
    {
        string[] nodes = ["web-1", "web-2", "worker-1"];
        var start = DateTimeOffset.UtcNow.AddHours(-3);
        for (var batch = 0; batch < 3; batch++)
        {
            await WriteAsync("acme/app", nodes[batch], Enumerable.Range(batch * 30, 30).Select(i =>
            {
                var level = i % 17 == 0 ? "Error" : i % 5 == 0 ? "Warning" : "Information";
                var properties = new JsonObject
                {
                    ["Sku"] = "A-" + (i % 4), ["Left"] = i % 9,
                    ["Customer"] = new JsonObject { ["Id"] = 1000 + i, ["Tier"] = i % 2 == 0 ? "gold" : "basic" },
                };
                return i == 42
                    ? Entry(start.AddMinutes(i * 2), "Information", "Login for {User} with {password}", new JsonObject { ["User"] = "dana", ["password"] = RedactedValue })
                    : Entry(start.AddMinutes(i * 2), level, "Stock for {Sku} low: {Left}", properties,
                        level == "Error" ? "System.InvalidOperationException: stock ledger out of balance\n   at Orders.Stock.Reserve()" : null);
            }));
        }

        await WriteAsync("acme/orders", "ledger-1", Enumerable.Range(0, 25).Select(i =>
            Entry(start.AddMinutes(i * 7), "Information", "Posted journal line {Line}", new JsonObject { ["Line"] = i })), sequenceStart: OrdersSequenceStart);
        await WriteAsync("globex/app", "globex-node", Enumerable.Range(0, 5).Select(i =>
            Entry(start.AddMinutes(i), "Information", "globex confidential shipment {N}", new JsonObject { ["N"] = i })));

        // Certified heads, so entry proofs check out against 2f+1 replica signatures.
        using var reader = await Cluster.CreateClientAsync("acme-reader");
        await WriteAsync("acme/payments", "billing-1", Enumerable.Range(0, 8).Select(i =>
            Entry(start.AddMinutes(i), "Information", "Payment {N} settled", new JsonObject { ["N"] = i })));
        foreach (var stream in new[] { "acme/app", "acme/orders", "acme/payments" })
        {
            using var response = await reader.PostAsync($"/api/v1/streams/{stream}/certified-head", null);
            response.EnsureSuccessStatusCode();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterWorldCollection : ICollectionFixture<ClusterWorld>
{
    public const string Name = "cluster world";
}
