using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LogService.Server.Tests.Support;
using LogService.Testing;

namespace LogService.Server.Tests.SystemTests;

/// <summary>
/// A front end with no room in ordering refuses at once, unsubmitted and without reading the body, loses nothing it
/// accepted, and hands back the room of every write it admitted however that write ends.
/// </summary>
[Collection("own deployment")]
public sealed class OverloadTests(OverloadTests.Deployment deployment) : IClassFixture<OverloadTests.Deployment>
{
    /// <summary>The smallest budget there is, so one large write fills it; writes that find no room wait 1 ms at most.</summary>
    private const int Budget = 65_536;

    private const string AdmissionPath = "/api/v1/streams/acme/admission/entries";

    private LocalCluster Cluster => deployment.Cluster;

    [Fact]
    public async Task WritesBeyondTheFrontEndsBudgetAreRefusedWithRetryAfterAndNothingAcceptedIsLost()
    {
        var cluster = Cluster;

        // Each 1,000-entry batch is larger than the budget, so it goes alone and the others are refused.
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

    [Fact]
    public async Task AWriteRefusedAtAdmissionIsNeverReadSoEvenAMalformedBodyIsAnswered503()
    {
        using var writer = await Cluster.CreateClientAsync("acme-writer", replica: 1);
        await using var hog = await RawHttpWrite.StartAsync(Cluster.ReplicaUrls[1], AdmissionPath, await Cluster.GetTokenAsync("acme-writer"), "application/json", 1_000_000);
        using var stop = new CancellationTokenSource();
        var trickle = hog.TrickleAsync(1024, TimeSpan.FromMilliseconds(250), stop.Token);

        // Once the trickling write is admitted it holds the whole budget until its body times out. Before that, a
        // malformed body may still find room and get its 400; from then on it is refused unread: 503, not 400, since
        // a body that is never read cannot be judged (its retry gets the 400).
        HttpResponseMessage? refused = null;
        for (var attempt = 0; attempt < 100 && refused is null; attempt++)
        {
            var response = await writer.PostAsync(AdmissionPath, Malformed(100));
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                refused = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
                response.Dispose();
                await Task.Delay(50);
            }
        }

        await stop.CancelAsync();
        await trickle;
        Assert.NotNull(refused);
        using (refused)
        {
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("urn:logservice:problem:replication:overloaded", problem.GetProperty("type").GetString());
            Assert.Contains("body not read", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EveryWayOutOfAnAdmittedWriteHandsItsRoomBack()
    {
        using var writer = await Cluster.CreateClientAsync("acme-writer", replica: 1);
        var token = await Cluster.GetTokenAsync("acme-writer");
        await WholeBudgetIsFreeAsync(writer);

        // Many writes admitted and then refused for their bodies: malformed (400), an event too large (413).
        for (var i = 0; i < 40; i++)
        {
            using var malformed = await writer.PostAsync(AdmissionPath, Malformed(5_000));
            Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        }

        using (var tooLarge = await writer.PostAsync(AdmissionPath, OneEventOf(300 * 1024)))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        }

        // Right after the last answer the whole budget is free again: each was handed back before it was answered.
        using (var probe = await writer.PostAsync(AdmissionPath, Malformed(Budget + 1)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, probe.StatusCode);
        }

        // A client that goes away halfway through its body.
        await using (var abandoned = await RawHttpWrite.StartAsync(Cluster.ReplicaUrls[1], AdmissionPath, token, "application/json", 100_000))
        {
            await abandoned.SendAsync(Encoding.ASCII.GetBytes("{\"entries\":["));
        }

        await WholeBudgetIsFreeAsync(writer);

        // A body that trickles in too slowly for the admitted-body timeout: 408, and its room comes back.
        await using (var slow = await RawHttpWrite.StartAsync(Cluster.ReplicaUrls[1], AdmissionPath, token, "application/json", 1_000_000))
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var trickle = slow.TrickleAsync(1024, TimeSpan.FromMilliseconds(250), stop.Token);
            Assert.Equal(408, await slow.ReadStatusAsync(stop.Token));
            await stop.CancelAsync();
            await trickle;
        }

        await WholeBudgetIsFreeAsync(writer);
    }

    /// <summary>
    /// A malformed body larger than the budget is admitted only when nothing else holds any of it (1 ms admission
    /// timeout), and then answered 400. The front end's own writes (audit, capture) may hold some for a moment, so a
    /// 503 is asked again; room that was never handed back fails every attempt.
    /// </summary>
    private static async Task WholeBudgetIsFreeAsync(HttpClient writer)
    {
        var status = HttpStatusCode.ServiceUnavailable;
        for (var attempt = 0; attempt < 50 && status == HttpStatusCode.ServiceUnavailable; attempt++)
        {
            await Task.Delay(attempt == 0 ? 0 : 200);
            using var probe = await writer.PostAsync(AdmissionPath, Malformed(Budget + 1));
            status = probe.StatusCode;
        }

        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    /// <summary>A native batch of <paramref name="bytes"/> that is not JSON past its first bracket.</summary>
    private static ByteArrayContent Malformed(int bytes)
    {
        var body = Encoding.ASCII.GetBytes("{\"entries\":[" + new string('x', Math.Max(0, bytes - 12)));
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>A native batch of one event whose message makes it about <paramref name="bytes"/> long.</summary>
    private static ByteArrayContent OneEventOf(int bytes)
    {
        var json = $"{{\"entries\":[{{\"timestamp\":\"{DateTime.UtcNow:O}\",\"level\":\"Information\",\"renderedMessage\":\"{new string('m', bytes)}\"}}]}}";
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>One deployment for the class: the smallest budget, a 1 ms admission timeout, a short admitted-body timeout.</summary>
    public sealed class Deployment : IAsyncLifetime
    {
        public LocalCluster Cluster { get; private set; } = null!;

        public async Task InitializeAsync() => Cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Tenants = [new TestTenant("acme")],
            Streams = ["acme/app", "acme/admission"],
            ServerSettings = new Dictionary<string, string>
            {
                ["LogService:Replica:MaxBytesInOrdering"] = Budget.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["LogService:Replica:AdmissionTimeout"] = "00:00:00.001",
                ["LogService:Replica:AdmittedBodyTimeout"] = "00:00:08",
            },
        });

        public async Task DisposeAsync() => await Cluster.DisposeAsync();
    }
}
