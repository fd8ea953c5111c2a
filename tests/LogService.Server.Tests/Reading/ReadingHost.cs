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
using LogService.Server.Tests.Support;
using LogService.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LogService.Server.Tests.Reading;

/// <summary>
/// A replica that hosts T, on a real Kestrel loopback port: a SQLite store filled through the Log Core state
/// machine, the repository's access policy, and one token issuer per tenant (discovery and JWKS served over HTTP,
/// tokens validated by the real JwtBearer pipeline). The audit trail appends through the same state machine.
/// </summary>
public sealed class ReadingHost : IAsyncLifetime, IReadAuditWriter
{
    public const ulong AppMask = 1;
    public const ulong SecurityMask = 4;
    private readonly string _directory = Directory.CreateTempSubdirectory("reading-").FullName;
    private readonly Lock _gate = new();
    private readonly ECDsa _issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private WebApplication _issuer = null!;
    private LogCoreStateMachine _machine = null!;
    private long _instance;
    private long _timestampMillis = 1_763_700_000_000;

    public WebApplication App { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public ILogStore Store { get; private set; } = null!;

    public ReplicaIdentity Identity { get; } = ReplicaIdentity.CreateEphemeral(0);

    public TrustedKeyService Keys => App.Services.GetRequiredService<TrustedKeyService>();

    public string DatabasePath => Path.Combine(_directory, "replica-0.db");

    public string IssuerBase { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _issuer = await StartIssuerAsync();
        IssuerBase = _issuer.Urls.First();
        var policies = Directory.CreateDirectory(Path.Combine(_directory, "policies")).FullName;
        File.Copy(Path.Combine(RepositoryPaths.Root, "policies", "access.policy.yaml"), Path.Combine(policies, "access.policy.yaml"));
        File.WriteAllText(Path.Combine(policies, "tenants.policy.yaml"),
            "version: 1\ntenants:\n" + TestPolicy.Tenant("acme", IssuerBase + "/acme") + TestPolicy.Tenant("globex", IssuerBase + "/globex", "us"));

        Store = LogStores.OpenSqlite(new SqliteStoreOptions { Path = DatabasePath });
        _machine = new LogCoreStateMachine(Store, Identity, new ReplicaKeySet([Identity.PublicKeys]));
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production, Args = ["--urls", "http://127.0.0.1:0"] });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LogService:Policies:Directory"] = policies,
            ["LogService:Reading:HostsKeyService"] = "true",
            ["LogService:Reading:KeyServiceDirectory"] = Path.Combine(_directory, "key-service"),
        });
        builder.Services.AddSingleton(Store);
        builder.Services.AddSingleton(Identity);
        builder.Services.AddSingleton<IReadAuditWriter>(this);
        builder.Services.AddLogServiceIdentity(builder.Configuration);
        builder.Services.AddLogServiceReads(builder.Configuration);
        App = builder.Build();
        App.UseAuthentication();
        App.UseAuthorization();
        App.MapReadEndpoints();
        await App.StartAsync();
        Client = new HttpClient { BaseAddress = new Uri(App.Urls.First()) };
    }

    /// <summary>An access token of <paramref name="tenant"/>'s issuer with the given scopes and region.</summary>
    public string Token(string tenant, string scope, string? region = null)
    {
        var claims = new List<Claim> { new("sub", $"{tenant}-client"), new("scope", scope), new("client_id", $"{tenant}-client") };
        claims.Add(new Claim("region", region ?? (tenant == "globex" ? "us" : "eu")));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = $"{IssuerBase}/{tenant}",
            Audience = TestPolicy.Audience,
            IssuedAt = DateTime.UtcNow,
            NotBefore = DateTime.UtcNow,
            Expires = DateTime.UtcNow.AddMinutes(5),
            TokenType = "at+jwt",
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(_issuerKey) { KeyId = "test" }, SecurityAlgorithms.EcdsaSha256),
            Subject = new ClaimsIdentity(claims),
        });
    }

    public void CreateStream(string tenant, string name) =>
        Execute(Keys.PrepareStream(tenant, name, RetentionPolicy.KeepAll, [Identity.PublicKeys]));

    /// <summary>Appends entries as one decided batch; each is (level, template, properties, mask).</summary>
    public void Write(string streamId, ulong mask, params (EntryLevel Level, string Message, (string Name, string Value)[] Properties)[] entries)
    {
        var drafts = entries.Select(e => EntryCodec.EncodeDraft(new EntryDraft
        {
            Level = e.Level,
            EventType = 0xA1B2C3D4,
            Body = new EntryBody
            {
                TimestampUnixMicros = 1,
                MessageTemplate = e.Message,
                RenderedMessage = e.Properties.Aggregate(e.Message, (m, p) => m.Replace("{" + p.Name + "}", p.Value, StringComparison.Ordinal)),
                Properties = [.. e.Properties.Select(p => new LogProperty(p.Name, LogValue.String(p.Value)))],
            },
        })).ToArray();
        Execute(new AppendEntriesCommand(streamId, new WriterIdentity(StreamIds.TenantOf(streamId), "cloud-a", "web-1", "svc"), Guid.NewGuid().ToString("N"), mask, [.. drafts]));
    }

    public async Task<(System.Net.HttpStatusCode Status, JsonNode? Body)> GetAsync(string path, string token, HttpMethod? method = null, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode != System.Net.HttpStatusCode.InternalServerError, $"{path}: {text}");
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public async Task AppendAsync(string tenant, IReadOnlyList<ReadAuditRecord> records, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var streamId = StreamIds.Compose(tenant, "_audit");
        if (Store.GetHead(streamId) is null)
        {
            CreateStream(tenant, "_audit");
        }

        Execute(new AppendEntriesCommand(streamId, new WriterIdentity(tenant, "logservice", "replica-0", "audit"), Guid.NewGuid().ToString("N"), AppMask, [.. records.Select(r => EntryCodec.EncodeDraft(r.ToDraft()))]));
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

        await _issuer.StopAsync();
        await _issuer.DisposeAsync();
        _machine?.Dispose();
        Store?.Dispose();
        Identity.Dispose();
        _issuerKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private void Execute(LogCommand command)
    {
        lock (_gate)
        {
            _instance++;
            _timestampMillis += 1000;
            var reply = CommandReply.Decode(_machine.Execute(new OrderedBatch(_instance, _timestampMillis, 0, [new OrderedCommand(1, _instance, LogCommandCodec.Encode(command))]))[0]);
            Assert.True(reply.Outcome != CommandOutcome.Rejected, reply.Reason);
        }
    }

    /// <summary>Path-based issuers <c>{base}/{tenant}</c> sharing one signing key, each with discovery and JWKS.</summary>
    private async Task<WebApplication> StartIssuerAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production, Args = ["--urls", "http://127.0.0.1:0"] });
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var p = _issuerKey.ExportParameters(false);
        var jwks = new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "EC", ["crv"] = "P-256", ["kid"] = "test", ["alg"] = "ES256", ["use"] = "sig",
                ["x"] = Base64UrlEncoder.Encode(p.Q.X), ["y"] = Base64UrlEncoder.Encode(p.Q.Y),
            }),
        };
        app.MapGet("/{tenant}/.well-known/openid-configuration", (HttpContext c, string tenant) =>
        {
            var issuer = $"{c.Request.Scheme}://{c.Request.Host}/{tenant}";
            return Results.Json(new JsonObject { ["issuer"] = issuer, ["jwks_uri"] = issuer + "/jwks", ["token_endpoint"] = issuer + "/token" });
        });
        app.MapGet("/{tenant}/jwks", () => Results.Text(jwks.ToJsonString(), "application/json"));
        await app.StartAsync();
        return app;
    }
}
