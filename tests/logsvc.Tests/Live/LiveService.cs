using LogService.Cli.Tests.Support;
using LogService.Testing;

namespace LogService.Cli.Tests.Live;

/// <summary>One real 4-replica deployment (replica and issuer processes on loopback) for the CLI tests of a class.</summary>
public sealed class LiveService : IAsyncLifetime
{
    public LocalCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await LocalCluster.StartAsync();

    /// <summary>A CLI with its own configuration folder, logged in as <paramref name="clientId"/> against every replica.</summary>
    public async Task<CliProcess> LoginAsync(string clientId, params string[] extra)
    {
        var cli = new CliProcess();
        var result = await cli.PipeAsync(clientId + "-secret\n", [.. LoginArguments(clientId), .. extra]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return cli;
    }

    public string[] LoginArguments(string clientId) =>
    [
        "login", .. Cluster.ReplicaUrls.SelectMany(u => new[] { "--server", u.ToString() }),
        "--issuer", Cluster.IssuerUrl(clientId.Split('-')[0]).ToString(), "--client-id", clientId, "--client-secret-stdin",
    ];

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
