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
/// A replica's read API over one stream (<c>bench/app</c>) of sealed entries written by the Log Core state machine
/// directly in batches of 1,000 (no consensus: loading 10M entries through it would take hours), its tenant's issuer
/// (discovery and JWKS over HTTP, so tokens go through the real JwtBearer validation) and a reviewer's token: what
/// the query and console scenarios measure against.
/// </summary>
internal sealed class ReadApiOverStore : IAsyncDisposable
{
    /// <summary>Source nodes the batches cycle through (<c>node-0</c> …).</summary>
    public const int Nodes = 10;

    /// <summary>The <c>Region</c> property's values, cycling per entry.</summary>
    public static readonly string[] Regions = ["eu-west", "eu-north", "us-east", "ap-south"];

    private const int BatchEntries = 1_000;
    private const string Audience = "https://logservice.bench";
    private readonly string directory;
    private readonly ReplicaIdentity identity;
    private readonly ECDsa issuerKey;
    private readonly WebApplication issuer;
    private readonly ILogStore store;
    private readonly TrustedKeyService keys;
    private readonly WebApplication api;

    private ReadApiOverStore(string directory, ReplicaIdentity identity, ECDsa issuerKey, WebApplication issuer, ILogStore store, TrustedKeyService keys, WebApplication api)
    {
        this.directory = directory;
        this.identity = identity;
        this.issuerKey = issuerKey;
        this.issuer = issuer;
        this.store = store;
        this.keys = keys;
        this.api = api;
    }

    /// <summary>The store under the API, for baselines read straight from storage.</summary>
    public ILogStore Store => store;

    /// <summary>The read API's base URL.</summary>
    public string ApiUrl => api.Urls.First();

    /// <summary>The tenant's issuer.</summary>
    public string IssuerUrl => issuer.Urls.First() + "/bench";

    /// <summary>The first and last entry times (Unix milliseconds; entries span 3.6 s per 1,000).</summary>
    public long FirstMillis { get; private set; }

    /// <inheritdoc cref="FirstMillis"/>
    public long LastMillis { get; private set; }

    /// <summary>Creates the store, fills it with <paramref name="entries"/> entries and starts the issuer and the read API.</summary>
    public static async Task<ReadApiOverStore> StartAsync(BenchContext context, string name, int entries)
    {
        var directory = Directory.CreateTempSubdirectory($"logservice-bench-{name}-").FullName;
        var identity = ReplicaIdentity.CreateEphemeral(0);
        var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issuer = await StartIssuerAsync(issuerKey);
        var policies = WritePolicies(directory, issuer.Urls.First() + "/bench");
        var store = LogStores.OpenSqlite(new SqliteStoreOptions { Path = Path.Combine(directory, "replica.db") });
        var keys = new TrustedKeyService(Path.Combine(directory, "key-service"), identity, LogService.Sealing.SystemRandomSource.Instance);
        var (firstMillis, lastMillis) = Fill(context, store, identity, keys, entries);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production, Args = ["--urls", "http://127.0.0.1:0"] });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["LogService:Policies:Directory"] = policies });
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(identity);
        builder.Services.AddSingleton(keys);
        builder.Services.AddLogServiceIdentity(builder.Configuration);
        builder.Services.AddLogServiceReads(builder.Configuration);
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapReadEndpoints();
        await app.StartAsync();
        return new ReadApiOverStore(directory, identity, issuerKey, issuer, store, keys, app) { FirstMillis = firstMillis, LastMillis = lastMillis };
    }

    /// <summary>A reviewer's (<c>logs.read</c>) access token from the tenant's issuer, valid for 15 minutes.</summary>
    public string Token() => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = IssuerUrl,
        Audience = Audience,
        IssuedAt = DateTime.UtcNow,
        NotBefore = DateTime.UtcNow,
        Expires = DateTime.UtcNow.AddMinutes(15),
        TokenType = "at+jwt",
        SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(issuerKey) { KeyId = "bench" }, SecurityAlgorithms.EcdsaSha256),
        Subject = new ClaimsIdentity([new Claim("sub", "reviewer"), new Claim("scope", "logs.read"), new Claim("region", "eu")]),
    });

    public async ValueTask DisposeAsync()
    {
        await api.StopAsync();
        await api.DisposeAsync();
        keys.Dispose();
        store.Dispose();
        await issuer.DisposeAsync();
        issuerKey.Dispose();
        identity.Dispose();
        Directory.Delete(directory, recursive: true);
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
