using System.Net.Http.Json;
using System.Text.Json;
using LogService.Testing;

namespace LogService.Server.Tests.SystemTests;

/// <summary>
/// The replicas record the replication protocol into <c>_system/bft</c> (issue 5 §6): a write leads to instance
/// summaries from every replica, readable by an operator; <c>LogService:Capture:Enabled=false</c> turns it off.
/// </summary>
[Collection("cluster")]
public sealed class ProtocolCaptureTests(SharedCluster shared)
{
    private const string CaptureQuery = "/api/v1/entries?stream=_system/bft&limit=1000&order=oldest";

    [Fact]
    public async Task AWriteIsSummarizedInTheSystemStreamByEveryReplica()
    {
        using var writer = await shared.Cluster.CreateClientAsync("acme-writer");
        var batch = SampleBatches.Create(IngestFormat.Native, 10);
        (await writer.PostAsync("/api/v1/streams/acme/app/entries", batch.ToContent())).EnsureSuccessStatusCode();

        using var reviewer = await shared.Cluster.CreateClientAsync("acme-operator", replica: 2);
        var reporters = new HashSet<string>();
        for (var attempt = 0; attempt < 60 && reporters.Count < shared.Cluster.Count; attempt++)
        {
            await Task.Delay(500);
            var page = await ReadCaptureAsync(reviewer);
            foreach (var entry in page.GetProperty("entries").EnumerateArray())
            {
                Assert.Equal("logservice", entry.GetProperty("sourceCloud").GetString());
                Assert.Equal("verified", entry.GetProperty("integrity").GetProperty("state").GetString());
                if (entry.GetProperty("body") is { ValueKind: JsonValueKind.Object } body
                    && body.GetProperty("messageTemplate").GetString()!.StartsWith("Instance {Instance} decided", StringComparison.Ordinal))
                {
                    reporters.Add(entry.GetProperty("sourceNode").GetString()!);
                }
            }
        }

        Assert.Equal(["replica-0", "replica-1", "replica-2", "replica-3"], reporters.Order());
    }

    [Fact]
    public async Task CaptureOffRecordsNothing()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Tenants = [new TestTenant("acme")],
            Streams = ["acme/app"],
            ServerSettings = new Dictionary<string, string> { ["LogService:Capture:Enabled"] = "false", ["LogService:Capture:FlushInterval"] = "00:00:01" },
        });
        using var writer = await cluster.CreateClientAsync("acme-writer");
        for (var i = 0; i < 3; i++)
        {
            (await writer.PostAsync("/api/v1/streams/acme/app/entries", SampleBatches.Create(IngestFormat.Native, 10, i * 10).ToContent())).EnsureSuccessStatusCode();
        }

        // Longer than the flush interval set above (1 s), so anything captured would be there were the switch ignored.
        await Task.Delay(TimeSpan.FromSeconds(3));
        using var reviewer = await cluster.CreateClientAsync("acme-operator");
        var page = await ReadCaptureAsync(reviewer);

        // Only the stream's own open entry, written when it was created.
        Assert.Equal(["open"], page.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("kind").GetString()));
    }

    private static async Task<JsonElement> ReadCaptureAsync(HttpClient reviewer)
    {
        using var response = await reviewer.GetAsync(CaptureQuery);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
