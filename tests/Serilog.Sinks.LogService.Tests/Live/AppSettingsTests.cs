using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Serilog.Sinks.LogService.Tests.Live;

/// <summary>The sink set up from <c>appsettings.json</c> through Serilog.Settings.Configuration, shipping to the real service.</summary>
[Collection(LiveCluster.Collection)]
public sealed class AppSettingsTests(LiveCluster live)
{
    [Fact]
    public async Task ASinkConfiguredFromJsonWithClientCredentialsAndAPinnedKeySetFileShipsToTheService()
    {
        var run = Guid.NewGuid().ToString("N");
        var urls = live.Cluster.ReplicaUrls;
        var settings = new
        {
            Serilog = new
            {
                Using = new[] { "Serilog.Sinks.LogService" },
                MinimumLevel = "Debug",
                WriteTo = new[]
                {
                    new
                    {
                        Name = "LogService",
                        Args = new Dictionary<string, object>
                        {
                            ["serverUrls"] = $"{urls[2]}, {urls[3]}",
                            ["stream"] = LiveCluster.Stream,
                            ["replicaKeySetPath"] = live.WriteFile(live.KeySetJson),
                            ["authority"] = live.Cluster.IssuerUrl("acme").ToString(),
                            ["clientId"] = "acme-writer",
                            ["clientSecret"] = "acme-writer-secret",
                            ["batchSizeLimit"] = 7,
                            ["period"] = "00:00:00.100",
                            ["bufferDirectory"] = Path.Combine(live.Folder, run),
                            ["bufferSizeLimitBytes"] = 16 * 1024 * 1024,
                            ["format"] = "Native",
                            ["flushTimeout"] = "00:02:00",
                            ["maxBatchesInFlight"] = 2,
                        },
                    },
                },
            },
        };
        var configuration = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(settings))))
            .Build();

        using (var logger = new LoggerConfiguration().ReadFrom.Configuration(configuration).CreateLogger())
        {
            for (var i = 0; i < 20; i++)
            {
                logger.Debug("Configured sink event {I} of run {Run}", i, run);
            }
        }

        var entries = await live.EntriesAsync(run);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), entries.Select(e => LiveCluster.Number(e, "I")).Order());
        Assert.All(entries, e => Assert.Equal("Debug", e.GetProperty("level").GetString()));
    }

    [Fact]
    public void AJsonConfigurationWithoutAKeySetFileIsRefusedAtStartup()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Serilog:Using:0"] = "Serilog.Sinks.LogService",
            ["Serilog:WriteTo:0:Name"] = "LogService",
            ["Serilog:WriteTo:0:Args:serverUrls"] = "http://127.0.0.1:9/",
            ["Serilog:WriteTo:0:Args:stream"] = LiveCluster.Stream,
            ["Serilog:WriteTo:0:Args:replicaKeySetPath"] = Path.Combine(live.Folder, "missing.json"),
        }).Build();

        // Not a logger that silently drops everything: the missing pin stops the application's start.
        var error = Assert.ThrowsAny<Exception>(() => new LoggerConfiguration().ReadFrom.Configuration(configuration).CreateLogger());
        Assert.IsType<FileNotFoundException>(error.GetBaseException());
    }
}
