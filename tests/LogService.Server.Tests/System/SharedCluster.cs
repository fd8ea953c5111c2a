using System.Net.Http.Json;
using System.Text.Json;
using LogService.Testing;

namespace LogService.Server.Tests.SystemTests;

/// <summary>One real four-replica deployment shared by the API test classes of the <c>cluster</c> collection.</summary>
public sealed class SharedCluster : IAsyncLifetime
{
    public LocalCluster Cluster { get; private set; } = null!;

    /// <summary>The published key set (<c>GET /api/v1/replicas</c>).</summary>
    public JsonElement KeySet { get; private set; }

    public async Task InitializeAsync()
    {
        Cluster = await LocalCluster.StartAsync(new LocalClusterOptions { Streams = ["acme/app", "globex/app", "acme/closing"] });
        using var http = Cluster.CreateClient();
        KeySet = await http.GetFromJsonAsync<JsonElement>("/api/v1/replicas");
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition("cluster")]
public sealed class ClusterCollection : ICollectionFixture<SharedCluster>;

/// <summary>
/// Test classes that start whole deployments of their own. They run one at a time, after every parallel test, so a
/// two-core machine never hosts several deployments at once and no start-up outlasts its timeout.
/// </summary>
[CollectionDefinition("own deployment", DisableParallelization = true)]
public sealed class OwnDeploymentCollection;
