using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LogService.Testing;

namespace LogService.Server.Tests.Writing;

/// <summary>
/// Per-tenant rate limits on four real replica processes: the policy's limits travel with the ordered append, an
/// over-quota batch gets 429 with Retry-After and appends nothing on any replica, and a batch larger than the burst
/// gets 413. The rate (1 entry per second) is so slow that the refill during a test never decides an outcome.
/// </summary>
[Collection("own deployment")]
public sealed class QuotaEndpointTests(QuotaEndpointTests.QuotaCluster deployment) : IClassFixture<QuotaEndpointTests.QuotaCluster>
{
    private const int Burst = 100;
    private readonly LocalCluster _cluster = deployment.Cluster;

    [Fact]
    public async Task AnOverQuotaBatchIs429WithRetryAfterAndLeavesNoPartialWriteOnAnyReplica()
    {
        using var http = await _cluster.CreateClientAsync("acme-writer", replica: 1);
        var first = await WriteAsync(http, "acme/app", Burst - 5);
        Assert.Equal(HttpStatusCode.OK, first.Status);

        // The quota is the tenant's, not the stream's: 50 more to another stream of acme do not fit.
        var refused = await WriteAsync(http, "acme/other", 50, batchId: "over-" + Guid.NewGuid().ToString("N"));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.Equal("application/problem+json", refused.ContentType);
        Assert.Equal("urn:logservice:problem:quota:exceeded", refused.Body.GetProperty("type").GetString());
        Assert.Contains("test-limits", refused.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var retryAfter = int.Parse(refused.RetryAfter!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 30, 50);
        Assert.Equal(retryAfter, refused.Body.GetProperty("retryAfterSeconds").GetInt32());

        // Nothing of the refused batch is on any replica, and it took no tokens: the 5 left still fit.
        for (var replica = 0; replica < _cluster.Count; replica++)
        {
            Assert.Equal(1, await EntryCountAsync(replica, "acme/other"));
        }

        var rest = await WriteAsync(http, "acme/other", 5);
        Assert.Equal(HttpStatusCode.OK, rest.Status);
        Assert.Equal(1, rest.Body.GetProperty("firstSequence").GetInt64());
        Assert.Null(ReceiptCheck.Problem(rest.Body, await KeySetAsync()));

        // Another tenant's bucket is its own.
        using var globex = await _cluster.CreateClientAsync("globex-writer", replica: 2);
        Assert.Equal(HttpStatusCode.OK, (await WriteAsync(globex, "globex/app", 60)).Status);
    }

    [Fact]
    public async Task ABatchLargerThanTheBurstIs413AndNeverRetryable()
    {
        using var http = await _cluster.CreateClientAsync("globex-writer");
        var response = await WriteAsync(http, "globex/app", Burst + 1);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.Status);
        Assert.Equal("urn:logservice:problem:quota:batch-exceeds-burst", response.Body.GetProperty("type").GetString());
        Assert.Null(response.RetryAfter);
    }

    /// <summary>One deployment for the class, whose tenants may write 1 entry per second with a burst of 100.</summary>
    public sealed class QuotaCluster : IAsyncLifetime
    {
        public LocalCluster Cluster { get; private set; } = null!;

        public async Task InitializeAsync() =>
            Cluster = await LocalCluster.StartAsync(new LocalClusterOptions { Quota = (EntriesPerSecond: 1, Burst: Burst), Streams = ["acme/app", "acme/other", "globex/app"] });

        public async Task DisposeAsync() => await Cluster.DisposeAsync();
    }

    private async Task<JsonElement> KeySetAsync()
    {
        using var http = _cluster.CreateClient();
        return await http.GetFromJsonAsync<JsonElement>("/api/v1/replicas");
    }

    private async Task<long> EntryCountAsync(int replica, string stream)
    {
        using var reader = await _cluster.CreateClientAsync(stream.StartsWith("acme", StringComparison.Ordinal) ? "acme-reader" : "globex-reader", replica);
        var view = await reader.GetFromJsonAsync<JsonElement>($"/api/v1/streams/{stream}");
        return view.GetProperty("entryCount").GetInt64();
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body, string? RetryAfter, string? ContentType)> WriteAsync(HttpClient http, string stream, int count, string? batchId = null)
    {
        using var response = await http.PostAsync($"/api/v1/streams/{stream}/entries", SampleBatches.Create(IngestFormat.Native, count, batchId: batchId).ToContent());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, body, response.Headers.RetryAfter?.ToString(), response.Content.Headers.ContentType?.MediaType);
    }
}
