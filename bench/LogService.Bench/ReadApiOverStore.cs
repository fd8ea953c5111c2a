using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using LogService.Core.Commands;
using LogService.Core.Entries;
using LogService.Core.KeyService;
using LogService.Core.Replica;
using LogService.Replication.Abstractions;
using LogService.Sealing;
using LogService.Sealing.Verification;
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
/// the query and console scenarios measure against. The filled store is kept in a cache directory keyed by the
/// entry count and <see cref="FillVersion"/> and reused by later runs after a cheap check (see <see cref="OpenFilled"/>);
/// <c>LOGSERVICE_BENCH_STORE_CACHE</c> names the directory, <c>LOGSERVICE_BENCH_FRESH_FILL=1</c> forces a new fill.
/// </summary>
internal sealed class ReadApiOverStore : IAsyncDisposable
{
    /// <summary>Source nodes the batches cycle through (<c>node-0</c> …).</summary>
    public const int Nodes = 10;

    /// <summary>The <c>Region</c> property's values, cycling per entry.</summary>
    public static readonly string[] Regions = ["eu-west", "eu-north", "us-east", "ap-south"];

    /// <summary>The stream every scenario reads.</summary>
    public const string StreamId = "bench/app";

    /// <summary>Bump when the fill's shape changes (entries, bodies, timing, masks), so cached stores are filled again.</summary>
    private const int FillVersion = 1;

    /// <summary>Entries the reuse check verifies with their keys at each end of the stream.</summary>
    private const int CheckedEntries = 4_096;

    private const int BatchEntries = 1_000;
    private const long StartMillis = 1_763_700_000_000;
    private const long BatchMillis = 3_600;
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

    /// <summary>Opens (or fills) the store of <paramref name="entries"/> entries and starts the issuer and the read API.</summary>
    public static async Task<ReadApiOverStore> StartAsync(BenchContext context, string name, int entries)
    {
        var directory = Directory.CreateTempSubdirectory($"logservice-bench-{name}-").FullName;
        var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issuer = await StartIssuerAsync(issuerKey);
        var policies = WritePolicies(directory, issuer.Urls.First() + "/bench");
        var (identity, store, keys) = OpenFilled(context, entries);
        var lastMillis = StartMillis + (BatchMillis * ((entries / BatchEntries) + 1));

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
        return new ReadApiOverStore(directory, identity, issuerKey, issuer, store, keys, app) { FirstMillis = StartMillis, LastMillis = lastMillis };
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

        // Only this run's policies: the filled store stays in the cache for the next run.
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>
    /// The filled store from the cache directory when a previous run left one for the same entry count and fill
    /// version and it passes the check; otherwise a fresh fill into that directory. The check is cheap and catches a
    /// fill that was cut short or a store from other code: a manifest written only after the fill completed, the
    /// stream head's sequence and Y head as the manifest recorded them, and the first and last 4,096 entries
    /// verified with their released keys (links and MACs) up to that head. Holding a lock file while filling lets
    /// two runs share one directory.
    /// </summary>
    private static (ReplicaIdentity Identity, ILogStore Store, TrustedKeyService Keys) OpenFilled(BenchContext context, int entries)
    {
        var root = Environment.GetEnvironmentVariable("LOGSERVICE_BENCH_STORE_CACHE") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Path.GetTempPath(), "logservice-bench-stores");
        var directory = Path.Combine(Directory.CreateDirectory(root).FullName, string.Create(CultureInfo.InvariantCulture, $"read-api-{entries}-v{FillVersion}"));
        using var fillLock = LockFile(directory + ".lock");
        var manifest = Path.Combine(directory, "filled.json");
        if (Environment.GetEnvironmentVariable("LOGSERVICE_BENCH_FRESH_FILL") != "1" && File.Exists(manifest))
        {
            var opened = OpenStore(directory);
            try
            {
                var recorded = JsonNode.Parse(File.ReadAllText(manifest))!;
                Check(opened.Store, opened.Keys, (long)recorded["lastSequence"]!, Convert.FromBase64String((string)recorded["yHead"]!));
                context.Progress.Note($"reusing the {entries:N0}-entry store in {directory}: head, first and last {CheckedEntries:N0} entries checked");
                return opened;
            }
            catch (Exception ex)
            {
                context.Progress.Note($"the cached store failed its check ({ex.Message}); filling again");
                Dispose(opened);
            }
        }

        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        using (var identity = ReplicaIdentity.CreateEphemeral(0))
        {
            File.WriteAllText(Path.Combine(directory, "identity.json"), new JsonObject
            {
                ["signing"] = Convert.ToBase64String(identity.SigningKey.ExportPkcs8PrivateKey()),
                ["keyAgreement"] = Convert.ToBase64String(identity.KeyAgreementKey.ExportPkcs8PrivateKey()),
                ["atRest"] = Convert.ToBase64String(identity.AtRestKey),
            }.ToJsonString());
        }

        var filled = OpenStore(directory);
        Fill(context, filled.Store, filled.Identity, filled.Keys, entries);
        var head = filled.Store.GetHead(StreamId)!;
        Check(filled.Store, filled.Keys, head.LastSequence, head.YHead);
        File.WriteAllText(manifest, new JsonObject
        {
            ["entries"] = entries,
            ["fillVersion"] = FillVersion,
            ["lastSequence"] = head.LastSequence,
            ["yHead"] = Convert.ToBase64String(head.YHead),
        }.ToJsonString());
        return filled;
    }

    private static (ReplicaIdentity Identity, ILogStore Store, TrustedKeyService Keys) OpenStore(string directory)
    {
        var saved = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "identity.json")))!;
        var signing = ECDsa.Create();
        signing.ImportPkcs8PrivateKey(Convert.FromBase64String((string)saved["signing"]!), out _);
        var agreement = ECDiffieHellman.Create();
        agreement.ImportPkcs8PrivateKey(Convert.FromBase64String((string)saved["keyAgreement"]!), out _);
        var identity = new ReplicaIdentity(0, signing, agreement, Convert.FromBase64String((string)saved["atRest"]!));
        var store = LogStores.OpenSqlite(new SqliteStoreOptions { Path = Path.Combine(directory, "replica.db") });
        return (identity, store, new TrustedKeyService(Path.Combine(directory, "key-service"), identity, LogService.Sealing.SystemRandomSource.Instance));
    }

    private static void Dispose((ReplicaIdentity Identity, ILogStore Store, TrustedKeyService Keys) opened)
    {
        opened.Keys.Dispose();
        opened.Store.Dispose();
        opened.Identity.Dispose();
    }

    /// <summary>
    /// The head is where the manifest says, and both ends of the stream verify with their keys: every link from
    /// the stored one before the range, every MAC, and the last range ends at the head's Y. Throws otherwise. Also
    /// builds T's secret ladder up to the head, as a running T has it.
    /// </summary>
    private static void Check(ILogStore store, TrustedKeyService keys, long lastSequence, byte[] yHead)
    {
        var head = store.GetHead(StreamId) ?? throw new InvalidDataException("the stream has no head");
        if (head.LastSequence != lastSequence || !head.YHead.AsSpan().SequenceEqual(yHead))
        {
            throw new InvalidDataException($"the head is at {head.LastSequence}, the manifest says {lastSequence}");
        }

        foreach (var from in new[] { 0, Math.Max(0, lastSequence - CheckedEntries + 1) })
        {
            var to = Math.Min(lastSequence, from + CheckedEntries - 1);
            var range = store.ReadRange(StreamId, from, to).Entries;
            var anchor = from == 0 ? StreamGenesis.ComputeGenesisLink(StreamId) : SealedEntry.Decode(store.ReadRange(StreamId, from - 1, from - 1).Entries.Single().SealedEntry).Link.ToArray();
            using var released = keys.ReleaseKeys(StreamId, [.. range.Select(e => (e.Sequence, e.PermissionMask))], ulong.MaxValue);
            var report = StreamVerifier.VerifyWithReleasedKeys(StreamId, released, [.. range.Select(e => (ReadOnlyMemory<byte>)e.SealedEntry)],
                new VerificationOptions { Anchor = new ChainAnchor(from, anchor), KnownHead = to == lastSequence ? new KnownHead(lastSequence + 1, yHead) : null });
            if (report.FirstFailure is { } failure || range.Count != to - from + 1 || released.Count < range.Count(e => e.Kind == (byte)EntryKind.Data))
            {
                throw new InvalidDataException($"entries {from}..{to} do not verify: {report.FirstFailure?.ToString() ?? "entries or keys missing"}");
            }
        }
    }

    private static FileStream LockFile(string path)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                // Another run is filling this store: wait for it, then reuse what it filled.
                Thread.Sleep(1_000);
            }
        }
    }

    /// <summary>
    /// Writes the stream through the state machine in decided batches of 1,000, 3.6 s of consensus time apart (so 10M
    /// entries span 10 hours): levels cycle, one source node per batch, one entry in five "delayed", regions cycle.
    /// The next batches' commands are encoded on another thread while the state machine seals and stores.
    /// </summary>
    private static void Fill(BenchContext context, ILogStore store, ReplicaIdentity identity, TrustedKeyService keys, int entries)
    {
        using var machine = new LogCoreStateMachine(store, identity, new ReplicaKeySet([identity.PublicKeys]));
        var millis = StartMillis;
        long instance = 0;
        void Decide(ReadOnlyMemory<byte> command) =>
            machine.Execute(new OrderedBatch(++instance, millis += BatchMillis, 0, [new OrderedCommand(1, instance, command)]));

        Decide(LogCommandCodec.Encode(keys.PrepareStream("bench", "app", RetentionPolicy.KeepAll, [identity.PublicKeys])));
        using var commands = new BlockingCollection<byte[]>(boundedCapacity: 4);
        var encoder = Task.Run(() =>
        {
            try
            {
                for (var written = 0; written < entries; written += BatchEntries)
                {
                    commands.Add(BatchCommand(written, StartMillis + (BatchMillis * ((written / BatchEntries) + 1))));
                }
            }
            finally
            {
                commands.CompleteAdding();
            }
        });
        var batches = 0;
        foreach (var command in commands.GetConsumingEnumerable())
        {
            Decide(command);
            if (batches++ % 500 == 0)
            {
                context.Progress.Report("write", (long)(batches - 1) * BatchEntries, entries);
            }
        }

        encoder.GetAwaiter().GetResult();
    }

    /// <summary>The encoded append of the batch starting at entry <paramref name="written"/>, its bodies stamped <paramref name="millis"/>.</summary>
    private static byte[] BatchCommand(int written, long millis)
    {
        var body = new string('x', 200);
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
        return LogCommandCodec.Encode(new AppendEntriesCommand(StreamId, new WriterIdentity("bench", "cloud-a", $"node-{batch % Nodes}", "svc"), $"b{batch}", 1, [.. drafts]));
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
