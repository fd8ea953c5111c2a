using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using LogService.Core.Commands;
using LogService.Core.Entries;
using LogService.Core.KeyService;
using LogService.Core.Replica;
using LogService.Replication.Abstractions;
using LogService.Server.Identity;
using LogService.Server.Reading;
using LogService.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LogService.Bench;

/// <summary>
/// Query (issue 5 §8): filtered pages of 100 entries through <c>GET /api/v1/entries</c> over one stream of 10M sealed
/// entries (200k with <c>--quick</c>), with token validation, policy, key release by T, decryption, redaction and
/// per-entry integrity checks. The store is filled in batches of 1,000 by the Log Core state machine directly (no
/// consensus: loading 10M entries through it would take hours). Queries cycle through the typical filters: stream +
/// level + source node + one-hour window; stream + level + window + free text; stream + window + property; and the
/// next page of each through its cursor. The baseline is the header-filtered page read straight from storage.
/// </summary>
internal sealed class QueryScenario : IBenchScenario
{
    private const int BatchEntries = 1_000;
    private const int Nodes = 10;
    private const string Audience = "https://logservice.bench";
    private const long HourMicros = 3_600_000_000;
    private static readonly string[] Regions = ["eu-west", "eu-north", "us-east", "ap-south"];

    public string Name => "query";

    public async Task<JsonObject> RunAsync(BenchContext context)
    {
        var stored = context.Quick ? 200_000 : 10_000_000;
        var queries = context.Quick ? 200 : 1_000;
        var directory = Directory.CreateTempSubdirectory("logservice-bench-query-").FullName;
        using var identity = ReplicaIdentity.CreateEphemeral(0);
        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            await using var issuer = await StartIssuerAsync(issuerKey);
            var issuerUrl = issuer.Urls.First() + "/bench";
            var policies = WritePolicies(directory, issuerUrl);
            using var store = LogStores.OpenSqlite(new SqliteStoreOptions { Path = Path.Combine(directory, "replica.db") });
            var keys = new TrustedKeyService(Path.Combine(directory, "key-service"), identity, LogService.Sealing.SystemRandomSource.Instance);
            var (firstMillis, lastMillis) = Fill(context, store, identity, keys, stored);

            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production, Args = ["--urls", "http://127.0.0.1:0"] });
            builder.Logging.ClearProviders();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["LogService:Policies:Directory"] = policies });
            builder.Services.AddSingleton(store);
            builder.Services.AddSingleton(identity);
            builder.Services.AddSingleton(keys);
            builder.Services.AddLogServiceIdentity(builder.Configuration);
            builder.Services.AddLogServiceReads(builder.Configuration);
            await using var app = builder.Build();
            app.UseAuthentication();
            app.UseAuthorization();
            app.MapReadEndpoints();
            await app.StartAsync();

            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(issuerKey, issuerUrl));
            var random = new Random(7);
            var api = new List<double>(queries);
            var baseline = new List<double>(queries);
            var byKind = new Dictionary<string, List<double>>();
            long returned = 0;
            string? cursorOf = null;
            for (var i = -20; i < queries; i++)
            {
                var toMicros = (firstMillis + (long)(random.NextDouble() * (lastMillis - firstMillis))) * 1000 + 1;
                var fromMicros = toMicros - HourMicros;
                var node = $"node-{random.Next(Nodes)}";
                var (kind, path) = (i & 3) switch
                {
                    0 => ("header", $"/api/v1/entries?stream=bench/app&level=Warning&sourceNode={node}&from={fromMicros}&to={toMicros}&limit=100"),
                    1 => ("text", $"/api/v1/entries?stream=bench/app&level=Warning&from={fromMicros}&to={toMicros}&text=delayed&limit=100"),
                    2 => ("property", $"/api/v1/entries?stream=bench/app&from={fromMicros}&to={toMicros}&prop.Region={Regions[random.Next(Regions.Length)]}&limit=100"),
                    _ => ("cursor", cursorOf!),
                };
                var clock = Stopwatch.StartNew();
                var page = await GetPageAsync(http, path);
                var apiMs = clock.Elapsed.TotalMilliseconds;
                var next = (string?)page["nextCursor"];
                cursorOf = next is null ? $"/api/v1/entries?stream=bench/app&limit=100" : $"{path.Split("&cursor=")[0]}&cursor={Uri.EscapeDataString(next)}";
                clock.Restart();
                store.Query(new EntryQuery { Filter = new EntryFilter { StreamId = "bench/app", MinLevel = 3, SourceNode = node, FromMicros = fromMicros, ToMicros = toMicros }, PageSize = 100 });
                var storeMs = clock.Elapsed.TotalMilliseconds;
                if (i >= 0)
                {
                    // The first 20 warm the JIT and the key ladder's lower rungs; they are not counted.
                    api.Add(apiMs);
                    baseline.Add(storeMs);
                    (byKind.TryGetValue(kind, out var list) ? list : byKind[kind] = []).Add(apiMs);
                    var entries = page["entries"]!.AsArray();
                    returned += entries.Count;
                    if (entries.Any(e => (string?)e!["integrity"]!["state"] != "verified"))
                    {
                        throw new InvalidOperationException("a benchmark page held an entry that did not verify");
                    }
                }

                if (i % 100 == 0 && i >= 0)
                {
                    context.Progress.Report("query", i, queries);
                }
            }

            await app.StopAsync();
            keys.Dispose();
            var figures = new JsonObject
            {
                ["query_p50_ms"] = Stats.Round(Stats.Percentile(api, 0.50), 2),
                ["query_p99_ms"] = Stats.Round(Stats.Percentile(api, 0.99), 2),
                ["stored_entries"] = stored,
                ["queries"] = queries,
                ["entries_per_page"] = Stats.Round((double)returned / queries, 1),
                ["baseline_store_page_p50_ms"] = Stats.Round(Stats.Percentile(baseline, 0.50), 2),
                ["baseline_store_page_p99_ms"] = Stats.Round(Stats.Percentile(baseline, 0.99), 2),
            };
            foreach (var (kind, samples) in byKind)
            {
                figures[$"query_{kind}_p50_ms"] = Stats.Round(Stats.Percentile(samples, 0.50), 2);
                figures[$"query_{kind}_p99_ms"] = Stats.Round(Stats.Percentile(samples, 0.99), 2);
            }

            return figures;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Writes the stream through the state machine in decided batches of 1,000, 3.6 s of consensus time apart (so 10M
    /// entries span 10 hours): levels cycle, one source node per batch, one entry in five "delayed", regions cycle.
    /// </summary>
    private static (long FirstMillis, long LastMillis) Fill(BenchContext context, ILogStore store, ReplicaIdentity identity, TrustedKeyService keys, int entries)
    {
        using var machine = new LogCoreStateMachine(store, identity, new ReplicaKeySet([identity.PublicKeys]));
        const long FirstMillis = 1_763_700_000_000;
        var millis = FirstMillis;
        long instance = 0;
        void Decide(LogCommand command) =>
            machine.Execute(new OrderedBatch(++instance, millis += 3_600, 0, [new OrderedCommand(1, instance, LogCommandCodec.Encode(command))]));

        Decide(keys.PrepareStream("bench", "app", RetentionPolicy.KeepAll, [identity.PublicKeys]));
        var body = new string('x', 200);
        for (var written = 0; written < entries; written += BatchEntries)
        {
            var batch = written / BatchEntries;
            var drafts = Enumerable.Range(0, BatchEntries).Select(i => EntryCodec.EncodeDraft(new EntryDraft
            {
                Level = (EntryLevel)((written + i) % 6),
                EventType = 0xA1B2C3D4,
                Body = new EntryBody
                {
                    TimestampUnixMicros = millis * 1000,
                    MessageTemplate = "Order {OrderId} {State} {Payload}",
                    RenderedMessage = $"Order o-{written + i} {((written + i) % 5 == 0 ? "delayed" : "shipped")} {body}",
                    Properties =
                    [
                        new LogProperty("OrderId", LogValue.String($"o-{written + i}")),
                        new LogProperty("State", LogValue.String((written + i) % 5 == 0 ? "delayed" : "shipped")),
                        new LogProperty("Region", LogValue.String(Regions[(written + i) % Regions.Length])),
                        new LogProperty("Payload", LogValue.String(body)),
                    ],
                },
            })).ToArray();
            Decide(new AppendEntriesCommand("bench/app", new WriterIdentity("bench", "cloud-a", $"node-{batch % Nodes}", "svc"), $"b{batch}", 1, drafts));
            if (batch % 500 == 0)
            {
                context.Progress.Report("write", written, entries);
            }
        }

        return (FirstMillis, millis);
    }

    private static async Task<JsonNode> GetPageAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode
            ? JsonNode.Parse(text)!
            : throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {response.Headers.WwwAuthenticate} {text}");
    }

    private static string WritePolicies(string directory, string issuer)
    {
        var policies = Directory.CreateDirectory(Path.Combine(directory, "policies")).FullName;
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "LogService.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("run the benchmark from inside the repository");
        }

        File.Copy(Path.Combine(root, "policies", "access.policy.yaml"), Path.Combine(policies, "access.policy.yaml"));
        File.WriteAllText(Path.Combine(policies, "tenants.policy.yaml"),
            $"version: 1\ntenants:\n  - id: bench\n    issuer: {issuer}\n    audience: {Audience}\n    region: eu\n");
        return policies;
    }

    private static string Token(ECDsa key, string issuer) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = issuer,
        Audience = Audience,
        IssuedAt = DateTime.UtcNow,
        NotBefore = DateTime.UtcNow,
        Expires = DateTime.UtcNow.AddMinutes(15),
        TokenType = "at+jwt",
        SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key) { KeyId = "bench" }, SecurityAlgorithms.EcdsaSha256),
        Subject = new ClaimsIdentity([new Claim("sub", "reviewer"), new Claim("scope", "logs.read"), new Claim("region", "eu")]),
    });

    /// <summary>The tenant's issuer: discovery and JWKS over HTTP, so tokens go through the real JwtBearer validation.</summary>
    private static async Task<WebApplication> StartIssuerAsync(ECDsa key)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production, Args = ["--urls", "http://127.0.0.1:0"] });
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var p = key.ExportParameters(false);
        var jwks = new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "EC", ["crv"] = "P-256", ["kid"] = "bench", ["alg"] = "ES256", ["use"] = "sig",
                ["x"] = Base64UrlEncoder.Encode(p.Q.X), ["y"] = Base64UrlEncoder.Encode(p.Q.Y),
            }),
        };
        app.MapGet("/bench/.well-known/openid-configuration", (HttpContext c) =>
            Results.Text(new JsonObject { ["issuer"] = $"http://{c.Request.Host}/bench", ["jwks_uri"] = $"http://{c.Request.Host}/bench/jwks" }.ToJsonString(), "application/json"));
        app.MapGet("/bench/jwks", () => Results.Text(jwks.ToJsonString(), "application/json"));
        await app.StartAsync();
        return app;
    }
}
