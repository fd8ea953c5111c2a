using System.Net;
using System.Text.Json;
using LogService.Testing;

namespace LogService.Server.Tests.SystemTests;

/// <summary>A front end with no room in ordering refuses at once, unsubmitted, and loses nothing it accepted.</summary>
public sealed class OverloadTests
{
    [Fact]
    public async Task WritesBeyondTheFrontEndsBudgetAreRefusedWithRetryAfterAndNothingAcceptedIsLost()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Tenants = [new TestTenant("acme")],
            Streams = ["acme/app"],
            ServerSettings = new Dictionary<string, string>
            {
                // Each 1,000-entry batch is larger than the budget, so it goes alone; the others wait 1 ms at most.
                ["LogService:Replica:MaxBytesInOrdering"] = "65536",
                ["LogService:Replica:AdmissionTimeout"] = "00:00:00.001",
            },
        });
        using var writer = await cluster.CreateClientAsync("acme-writer", replica: 1);
        var batches = Enumerable.Range(0, 12).Select(i => SampleBatches.Create(IngestFormat.Native, 1_000, i * 1_000L)).ToArray();

        var responses = await Task.WhenAll(batches.Select(b => writer.PostAsync("/api/v1/streams/acme/app/entries", b.ToContent())));

        var accepted = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.Equal(responses.Length, accepted + refused.Count);
        Assert.InRange(accepted, 1, responses.Length - 1);
        foreach (var response in refused)
        {
            Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.EndsWith(":replication:overloaded", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
            Assert.Contains("not submitted", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // Exactly the accepted batches (and the stream's open entry) are in the stream: a refused one was never
        // ordered. The replica asked may not have executed the last batch yet when the receipt's quorum answered.
        using var reader = await cluster.CreateClientAsync("acme-reader", replica: 2);
        var expected = (accepted * 1_000L) + 1;
        long stored = -1;
        for (var attempt = 0; attempt < 50 && stored != expected; attempt++)
        {
            await Task.Delay(attempt == 0 ? 0 : 200);
            stored = JsonDocument.Parse(await reader.GetStringAsync("/api/v1/streams/acme/app")).RootElement.GetProperty("entryCount").GetInt64();
        }

        Assert.Equal(expected, stored);
    }
}
