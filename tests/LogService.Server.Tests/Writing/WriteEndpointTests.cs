using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LogService.Server.Tests.SystemTests;
using LogService.Testing;

namespace LogService.Server.Tests.Writing;

/// <summary>The write path against four real replica processes: receipts, deduplication, and every refusal.</summary>
[Collection("cluster")]
public sealed class WriteEndpointTests(SharedCluster shared)
{
    private LocalCluster Cluster => shared.Cluster;

    [Theory]
    [InlineData(IngestFormat.Native)]
    [InlineData(IngestFormat.Clef)]
    [InlineData(IngestFormat.SerilogHttp)]
    [InlineData(IngestFormat.Otlp)]
    public async Task EveryFormatIsAcceptedWithAReceiptThatVerifiesAgainstThePublishedKeys(IngestFormat format)
    {
        using var http = await Cluster.CreateClientAsync("acme-writer", replica: 2);
        var batch = SampleBatches.Create(format, 25);

        using var response = await http.PostAsync("/api/v1/streams/acme/app" + batch.Path, batch.ToContent());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("committed", receipt.GetProperty("outcome").GetString());
        Assert.Equal(25, receipt.GetProperty("count").GetInt32());
        Assert.Equal(receipt.GetProperty("firstSequence").GetInt64() + 24, receipt.GetProperty("lastSequence").GetInt64());
        Assert.Null(ReceiptCheck.Problem(receipt, shared.KeySet));
    }

    [Fact]
    public async Task AReceiptWithOneAlteredByteFailsTheCheck()
    {
        using var http = await Cluster.CreateClientAsync("acme-writer");
        using var response = await http.PostAsync("/api/v1/streams/acme/app/entries", SampleBatches.Create(IngestFormat.Native, 3).ToContent());
        var receipt = ParseObject(await response.Content.ReadAsStringAsync());
        var bytes = Convert.FromBase64String(receipt["statementBytes"]!.GetValue<string>());
        bytes[^1] ^= 1;
        receipt["statementBytes"] = Convert.ToBase64String(bytes);

        Assert.NotNull(ReceiptCheck.Problem(JsonDocument.Parse(receipt.ToJsonString()).RootElement, shared.KeySet));
    }

    [Fact]
    public async Task ARetryWithTheSameBatchIdGetsTheOriginalReceiptAndNoSecondCopy()
    {
        using var http = await Cluster.CreateClientAsync("acme-writer", replica: 1);
        var batchId = "retry-" + Guid.NewGuid().ToString("N");
        var batch = SampleBatches.Create(IngestFormat.Native, 10, batchId: batchId);

        using var first = await http.PostAsync("/api/v1/streams/acme/app/entries", batch.ToContent());
        using var retry = await http.PostAsync("/api/v1/streams/acme/app/entries", batch.ToContent());

        var original = await first.Content.ReadFromJsonAsync<JsonElement>();
        var repeated = await retry.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("committed", original.GetProperty("outcome").GetString());
        Assert.Equal("duplicate", repeated.GetProperty("outcome").GetString());
        Assert.Equal(original.GetProperty("firstSequence").GetInt64(), repeated.GetProperty("firstSequence").GetInt64());
        Assert.Null(ReceiptCheck.Problem(repeated, shared.KeySet));

        // A third write lands right after the first batch: the retry appended nothing.
        using var next = await http.PostAsync("/api/v1/streams/acme/app/entries", SampleBatches.Create(IngestFormat.Native, 1).ToContent());
        var after = await next.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(original.GetProperty("lastSequence").GetInt64() + 1, after.GetProperty("firstSequence").GetInt64());
    }

    [Fact]
    public async Task TheBatchIdHeaderDeduplicatesFormatsWithoutABatchField()
    {
        using var http = await Cluster.CreateClientAsync("acme-writer");
        var batch = SampleBatches.Create(IngestFormat.Clef, 4);
        var batchId = "clef-" + Guid.NewGuid().ToString("N");

        async Task<JsonElement> PostAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/streams/acme/app/clef") { Content = batch.ToContent() };
            request.Headers.Add("X-LogService-Batch-Id", batchId);
            request.Headers.Add("X-LogService-Sequence-Start", "500");
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }

        var first = await PostAsync();
        var second = await PostAsync();
        Assert.Equal(batchId, first.GetProperty("batchId").GetString());
        Assert.Equal("duplicate", second.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task AWriteWithoutATokenIs401()
    {
        using var http = Cluster.CreateClient();
        using var response = await http.PostAsync("/api/v1/streams/acme/app/entries", SampleBatches.Create(IngestFormat.Native, 1).ToContent());
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AWriteToAnotherTenantsStreamIsDeniedByPolicyNamingTheRule()
    {
        using var http = await Cluster.CreateClientAsync("globex-writer");
        using var response = await http.PostAsync("/api/v1/streams/acme/app/entries", SampleBatches.Create(IngestFormat.Native, 1).ToContent());

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:logservice:problem:policy:denied", problem.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("rule").GetString()));
        Assert.True(problem.TryGetProperty("file", out _));
    }

    [Fact]
    public async Task AWriteToASystemStreamIsDenied()
    {
        using var http = await Cluster.CreateClientAsync("acme-writer");
        using var response = await http.PostAsync("/api/v1/streams/_system/bft/entries", SampleBatches.Create(IngestFormat.Native, 1).ToContent());
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task AWriteToTheTenantsAuditStreamIsRefusedAlthoughThePolicyLetsWritersWriteEveryStream()
    {
        using var http = await Cluster.CreateClientAsync("acme-writer");
        using var response = await http.PostAsync("/api/v1/streams/acme/_audit/entries", SampleBatches.Create(IngestFormat.Native, 1).ToContent());

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:logservice:problem:policy:reserved", problem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task AReaderTokenCannotWrite()
    {
        using var http = await Cluster.CreateClientAsync("acme-reader");
        using var response = await http.PostAsync("/api/v1/streams/acme/app/entries", SampleBatches.Create(IngestFormat.Native, 1).ToContent());
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task AWriteToAStreamThatDoesNotExistIs404()
    {
        using var http = await Cluster.CreateClientAsync("acme-writer");
        using var response = await http.PostAsync("/api/v1/streams/acme/nowhere/entries", SampleBatches.Create(IngestFormat.Native, 1).ToContent());
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task ABatchWithOneBadEventIsRejectedWholeAndNothingIsWritten()
    {
        using var http = await Cluster.CreateClientAsync("acme-writer");
        using var before = await http.PostAsync("/api/v1/streams/acme/app/entries", SampleBatches.Create(IngestFormat.Native, 1).ToContent());
        var last = (await before.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("lastSequence").GetInt64();
        var good = Encoding.UTF8.GetString(SampleBatches.Create(IngestFormat.Clef, 3).Body);
        var bad = good + "{\"@t\":\"2026-01-01T00:00:00Z\",\"@l\":\"Loud\"}\n";

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/streams/acme/app/clef") { Content = new StringContent(bad, Encoding.UTF8, "application/vnd.serilog.clef") };
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, problem.GetProperty("eventIndex").GetInt32());
        using var after = await http.PostAsync("/api/v1/streams/acme/app/entries", SampleBatches.Create(IngestFormat.Native, 1).ToContent());
        var next = (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("firstSequence").GetInt64();
        Assert.Equal(last + 1, next);
    }

    [Fact]
    public async Task AnUnsupportedContentTypeIs415()
    {
        using var http = await Cluster.CreateClientAsync("acme-writer");
        using var response = await http.PostAsync("/api/v1/streams/acme/app/clef", new StringContent("hello", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task ABodyOverTenMegabytesIs413BeforeItIsRead()
    {
        using var http = await Cluster.CreateClientAsync("acme-writer");
        var body = new byte[(10 * 1024 * 1024) + 1];
        body.AsSpan().Fill((byte)' ');
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/vnd.serilog.clef");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/streams/acme/app/clef") { Content = content };

        // A client that sends a large body asks first; the server answers 413 without taking the body.
        request.Headers.ExpectContinue = true;
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:logservice:problem:ingest:payload-too-large", problem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task BatchesWithoutABatchIdAreNeverTakenForRetries()
    {
        using var http = await Cluster.CreateClientAsync("acme-writer");
        var batch = SampleBatches.Create(IngestFormat.Native, 2);
        using var first = await http.PostAsync("/api/v1/streams/acme/app/entries", batch.ToContent());
        using var second = await http.PostAsync("/api/v1/streams/acme/app/entries", batch.ToContent());

        var a = await first.Content.ReadFromJsonAsync<JsonElement>();
        var b = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("committed", b.GetProperty("outcome").GetString());
        Assert.Equal(a.GetProperty("lastSequence").GetInt64() + 1, b.GetProperty("firstSequence").GetInt64());
        Assert.Equal(JsonValueKind.Null, b.GetProperty("batchId").ValueKind);
    }

    [Fact]
    public async Task AnInvalidBatchIdHeaderIs400()
    {
        using var http = await Cluster.CreateClientAsync("acme-writer");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/streams/acme/app/clef") { Content = SampleBatches.Create(IngestFormat.Clef, 1).ToContent() };
        request.Headers.Add("X-LogService-Batch-Id", "has spaces");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static JsonObject ParseObject(string text) => JsonNode.Parse(text)!.AsObject();
}
