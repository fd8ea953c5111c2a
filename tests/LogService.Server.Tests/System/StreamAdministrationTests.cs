using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LogService.Testing;

namespace LogService.Server.Tests.SystemTests;

/// <summary>Stream administration against four real replicas: only the key-service replica creates; close is final.</summary>
[Collection("cluster")]
public sealed class StreamAdministrationTests(SharedCluster shared)
{
    private LocalCluster Cluster => shared.Cluster;

    [Fact]
    public async Task TheKeyServiceReplicaCreatesAStreamEveryReplicaThenServes()
    {
        var name = "orders-" + Guid.NewGuid().ToString("N")[..8];
        using var admin = await Cluster.CreateClientAsync("acme-admin", replica: 0);

        using var created = await admin.PostAsJsonAsync("/api/v1/streams", new { name, retention = new { maxAgeDays = 90, maxCount = (long?)null } });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var stream = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"acme/{name}", stream.GetProperty("streamId").GetString());
        Assert.Equal(90, stream.GetProperty("retention").GetProperty("maxAgeDays").GetInt32());
        Assert.False(stream.GetProperty("closed").GetBoolean());

        using var writer = await Cluster.CreateClientAsync("acme-writer", replica: 3);
        using var write = await writer.PostAsync($"/api/v1/streams/acme/{name}/entries", SampleBatches.Create(IngestFormat.Native, 2).ToContent());
        Assert.Equal(HttpStatusCode.OK, write.StatusCode);
        Assert.Equal(1, (await write.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("firstSequence").GetInt64());
    }

    [Fact]
    public async Task AnotherReplicaAnswers421NamingTheKeyService()
    {
        using var admin = await Cluster.CreateClientAsync("acme-admin", replica: 2);
        using var response = await admin.PostAsJsonAsync("/api/v1/streams", new { name = "elsewhere" });

        Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(Cluster.ReplicaUrls[0].ToString().TrimEnd('/'), problem.GetProperty("keyServiceUrl").GetString());
    }

    [Fact]
    public async Task CreatingAnExistingStreamIs409AndAWriterMayNotCreate()
    {
        using var admin = await Cluster.CreateClientAsync("acme-admin");
        using var again = await admin.PostAsJsonAsync("/api/v1/streams", new { name = "app" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        using var writer = await Cluster.CreateClientAsync("acme-writer");
        using var denied = await writer.PostAsJsonAsync("/api/v1/streams", new { name = "mine" });
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);

        using var otherTenant = await admin.PostAsJsonAsync("/api/v1/streams", new { name = "theirs", tenant = "globex" });
        Assert.Equal(HttpStatusCode.Forbidden, otherTenant.StatusCode);
    }

    [Fact]
    public async Task AnInvalidNameIs400()
    {
        using var admin = await Cluster.CreateClientAsync("acme-admin");
        using var response = await admin.PostAsJsonAsync("/api/v1/streams", new { name = "Upper/Case" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task ListingShowsTheCallersTenantOnly()
    {
        using var reader = await Cluster.CreateClientAsync("globex-reader", replica: 1);
        var list = await reader.GetFromJsonAsync<JsonElement>("/api/v1/streams");
        var ids = list.GetProperty("streams").EnumerateArray().Select(s => s.GetProperty("streamId").GetString()).ToList();

        Assert.Contains("globex/app", ids);
        Assert.DoesNotContain("acme/app", ids);
        using var other = await reader.GetAsync("/api/v1/streams?tenant=acme");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
    }

    [Fact]
    public async Task AClosedStreamRefusesWritesWith409()
    {
        using var writer = await Cluster.CreateClientAsync("acme-writer");
        using var admin = await Cluster.CreateClientAsync("acme-admin", replica: 1);
        using var first = await writer.PostAsync("/api/v1/streams/acme/closing/entries", SampleBatches.Create(IngestFormat.Native, 2).ToContent());
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var close = await admin.PostAsync("/api/v1/streams/acme/closing/close", null);
        Assert.Equal(HttpStatusCode.OK, close.StatusCode);
        Assert.True((await close.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("closed").GetBoolean());

        using var after = await writer.PostAsync("/api/v1/streams/acme/closing/entries", SampleBatches.Create(IngestFormat.Native, 1).ToContent());
        Assert.Equal(HttpStatusCode.Conflict, after.StatusCode);
        using var closeAgain = await admin.PostAsync("/api/v1/streams/acme/closing/close", null);
        Assert.Equal(HttpStatusCode.Conflict, closeAgain.StatusCode);
    }

    [Fact]
    public async Task GettingAnUnknownStreamIs404()
    {
        using var reader = await Cluster.CreateClientAsync("acme-reader");
        using var response = await reader.GetAsync("/api/v1/streams/acme/absent");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
