using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using LogService.Client.Auth;
using LogService.Testing;

namespace Serilog.Sinks.LogService.Tests.Live;

/// <summary>
/// One real four-replica deployment (replica and issuer processes) shared by the live sink tests, with the key set
/// it publishes written to a file the way an operator hands it to an application.
/// </summary>
public sealed class LiveCluster : IAsyncLifetime
{
    public const string Collection = "live cluster";

    public const string Stream = "acme/app";

    public LocalCluster Cluster { get; private set; } = null!;

    /// <summary>The published key set (<c>GET /api/v1/replicas</c>), as pinned by the sinks under test.</summary>
    public string KeySetJson { get; private set; } = "";

    /// <summary>A temporary folder for key set files and buffers.</summary>
    public string Folder { get; } = Directory.CreateTempSubdirectory("sink-live-").FullName;

    public async Task InitializeAsync()
    {
        Cluster = await LocalCluster.StartAsync();
        WriterCredentials = new ClientCredentialsTokenSource(new ClientCredentialsOptions
        {
            Authority = Cluster.IssuerUrl("acme"),
            ClientId = "acme-writer",
            ClientSecret = "acme-writer-secret",
        });
        using var http = Cluster.CreateClient();
        KeySetJson = await http.GetStringAsync(new Uri("/api/v1/replicas", UriKind.Relative));
    }

    public async Task DisposeAsync()
    {
        WriterCredentials.Dispose();
        await Cluster.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }

    /// <summary>Client credentials of <c>acme-writer</c> against acme's issuer, found through its discovery document; one token cache for every test, as in an application.</summary>
    public ClientCredentialsTokenSource WriterCredentials { get; private set; } = null!;

    /// <summary>The published key set with every replica's signing key replaced by a fresh one: what a sink pinned to another deployment holds.</summary>
    public string ForeignKeySetJson()
    {
        var document = JsonNode.Parse(KeySetJson)!;
        foreach (var replica in document["replicas"]!.AsArray())
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            replica!["signingKey"] = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
        }

        return document.ToJsonString();
    }

    /// <summary>Writes <paramref name="json"/> to a new file in <see cref="Folder"/> and returns its path.</summary>
    public string WriteFile(string json)
    {
        var path = Path.Combine(Folder, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    /// <summary>
    /// Every entry of <see cref="Stream"/> whose <c>Run</c> property is <paramref name="run"/>, oldest first, read
    /// through replica <paramref name="replica"/>'s query API as <c>acme-reader</c> (all pages).
    /// </summary>
    public async Task<List<JsonElement>> EntriesAsync(string run, int replica = 0)
    {
        using var http = Cluster.CreateClient(replica);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Cluster.GetTokenAsync("acme-reader"));
        var entries = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var query = $"/api/v1/entries?stream={Stream}&prop.Run={run}&order=oldest&limit=1000" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            JsonElement page;
            try
            {
                page = await http.GetFromJsonAsync<JsonElement>(new Uri(query, UriKind.Relative));
            }
            catch (HttpRequestException failed)
            {
                throw new InvalidOperationException($"reading through replica {replica} failed: {failed.Message}{Environment.NewLine}{Cluster.Describe(Enumerable.Range(0, Cluster.Count))}", failed);
            }

            entries.AddRange(page.GetProperty("entries").EnumerateArray().Select(e => e.Clone()));
            cursor = page.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);

        return entries;
    }

    /// <summary>The writer's per-source sequence number the service sealed into an entry's body; null when it has none.</summary>
    public static long? SourceSequence(JsonElement entry) =>
        entry.GetProperty("body").GetProperty("sourceSequence") is { ValueKind: JsonValueKind.Number } value ? value.GetInt64() : null;

    /// <summary>The integer property <paramref name="name"/> of an entry's body, whether the service renders it as a number or as text.</summary>
    public static long Number(JsonElement entry, string name)
    {
        var value = entry.GetProperty("body").GetProperty("properties").GetProperty(name);
        return value.ValueKind == JsonValueKind.Number ? value.GetInt64() : long.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }
}

[CollectionDefinition(LiveCluster.Collection)]
public sealed class LiveClusterCollection : ICollectionFixture<LiveCluster>;
