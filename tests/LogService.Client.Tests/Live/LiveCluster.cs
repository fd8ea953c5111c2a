using LogService.Client.Auth;
using LogService.Client.Trust;
using LogService.Testing;

namespace LogService.Client.Tests.Live;

/// <summary>One real 4-replica deployment for a test class, with the key set pinned from it once.</summary>
public sealed class LiveCluster : IAsyncLifetime
{
    public LocalCluster Cluster { get; private set; } = null!;

    public ReplicaKeySet Keys { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await LocalCluster.StartAsync();
        using var http = new HttpClient();
        Keys = await ReplicaKeySet.FetchAsync(http, Cluster.ReplicaUrls[0]);
    }

    public LogServiceClient Client(string clientId, IReadOnlyList<Uri>? urls = null)
    {
        var tenant = clientId.Split('-')[0];
        var tokens = new ClientCredentialsTokenSource(new ClientCredentialsOptions
        {
            Authority = Cluster.IssuerUrl(tenant), ClientId = clientId, ClientSecret = clientId + "-secret",
        });
        return new LogServiceClient(new LogServiceClientOptions { ReplicaUrls = urls ?? Cluster.ReplicaUrls, KeySet = Keys, Tokens = tokens });
    }

    public async Task DisposeAsync()
    {
        Keys.Dispose();
        await Cluster.DisposeAsync();
    }
}
