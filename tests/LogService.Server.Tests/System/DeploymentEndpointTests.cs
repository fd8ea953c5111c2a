using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LogService.Testing;

namespace LogService.Server.Tests.SystemTests;

/// <summary>The key set, status, liveness and readiness of four real replicas.</summary>
[Collection("cluster")]
public sealed class DeploymentEndpointTests(SharedCluster shared)
{
    private LocalCluster Cluster => shared.Cluster;

    [Fact]
    public async Task EveryReplicaPublishesTheSameKeySetWithoutAToken()
    {
        var sets = new List<string>();
        for (var i = 0; i < Cluster.Count; i++)
        {
            using var http = Cluster.CreateClient(i);
            sets.Add(await http.GetStringAsync("/api/v1/replicas"));
        }

        Assert.Single(sets.Distinct());
        var set = JsonDocument.Parse(sets[0]).RootElement;
        Assert.Equal(4, set.GetProperty("n").GetInt32());
        Assert.Equal(1, set.GetProperty("f").GetInt32());
        var replicas = set.GetProperty("replicas").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2, 3], replicas.Select(r => r.GetProperty("id").GetInt32()));
        Assert.Equal([true, false, false, false], replicas.Select(r => r.GetProperty("keyService").GetBoolean()));
        Assert.Equal(4, replicas.Select(r => r.GetProperty("signingKey").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task HealthAndReadinessNeedNoToken()
    {
        using var http = Cluster.CreateClient(3);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task StatusNeedsATokenAndOperatorsSeeEveryReplica()
    {
        using var anonymous = Cluster.CreateClient(1);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/status")).StatusCode);

        using var writer = await Cluster.CreateClientAsync("acme-writer", replica: 1);
        var own = await writer.GetFromJsonAsync<JsonElement>("/api/v1/status");
        Assert.Equal(1, own.GetProperty("replica").GetInt32());
        Assert.True(own.GetProperty("healthy").GetBoolean());
        Assert.False(own.TryGetProperty("replicas", out _));

        using var operatorClient = await Cluster.CreateClientAsync("acme-operator", replica: 1);
        var all = await operatorClient.GetFromJsonAsync<JsonElement>("/api/v1/status");
        Assert.Equal([0, 1, 2, 3], all.GetProperty("replicas").EnumerateArray().Select(r => r.GetProperty("replica").GetInt32()));
    }
}
