using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LogService.Server.Tests.SystemTests;
using LogService.Testing;

namespace LogService.Server.Tests.Writing;

/// <summary>
/// The writer's per-source sequence numbers go through the real replicas into the sealed bodies and come back out of
/// the read API, so a reviewer sees a gap in what a source sent.
/// </summary>
[Collection("cluster")]
public sealed class SourceSequenceTests(SharedCluster shared)
{
    private LocalCluster Cluster => shared.Cluster;

    [Fact]
    public async Task SequencesOfANativeBatchAndOfTheSequenceHeaderReadBackFromTheStoredEntries()
    {
        var run = Guid.NewGuid().ToString("N");
        using var writer = await Cluster.CreateClientAsync("acme-writer");
        var native = $$$"""
            {"batchId":"seq-{{{run}}}","sequenceStart":700,"entries":[
              {"timestamp":"2026-11-21T14:00:00Z","messageTemplate":"step {I} of {Run}","properties":{"I":0,"Run":"{{{run}}}"}},
              {"timestamp":"2026-11-21T14:00:01Z","messageTemplate":"step {I} of {Run}","properties":{"I":1,"Run":"{{{run}}}"}},
              {"timestamp":"2026-11-21T14:00:02Z","messageTemplate":"step {I} of {Run}","properties":{"I":2,"Run":"{{{run}}}"}}]}
            """;
        await PostAsync(writer, "entries", native, "application/vnd.logservice.batch+json", sequenceStart: null);
        var clef = $$$"""
            {"@t":"2026-11-21T14:00:03Z","@mt":"step {I} of {Run}","I":3,"Run":"{{{run}}}"}
            {"@t":"2026-11-21T14:00:04Z","@mt":"step {I} of {Run}","I":4,"Run":"{{{run}}}"}
            """;
        await PostAsync(writer, "clef", clef, "application/vnd.serilog.clef", sequenceStart: 40);
        var unnumbered = $$$"""{"entries":[{"timestamp":"2026-11-21T14:00:05Z","messageTemplate":"step {I} of {Run}","properties":{"I":5,"Run":"{{{run}}}"}}]}""";
        await PostAsync(writer, "entries", unnumbered, "application/vnd.logservice.batch+json", sequenceStart: null);

        var entries = await ReadRunAsync(run, expected: 6);

        Assert.Equal([0L, 1L, 2L, 3L, 4L, 5L], entries.Select(e => e.GetProperty("body").GetProperty("properties").GetProperty("I").GetInt64()));
        Assert.Equal([700L, 701L, 702L, 40L, 41L, null], entries.Select(SourceSequence));
        Assert.All(entries, e => Assert.Equal("verified", e.GetProperty("integrity").GetProperty("state").GetString()));
    }

    private static long? SourceSequence(JsonElement entry) =>
        entry.GetProperty("body").GetProperty("sourceSequence") is { ValueKind: JsonValueKind.Number } value ? value.GetInt64() : null;

    private static async Task PostAsync(HttpClient http, string format, string body, string contentType, long? sequenceStart)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/streams/acme/app/" + format) { Content = new StringContent(body, Encoding.UTF8, contentType) };
        if (sequenceStart is { } start)
        {
            request.Headers.Add("X-LogService-Sequence-Start", start.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The run's entries, oldest first, once the replica asked has executed all of them (a receipt needs only a quorum).</summary>
    private async Task<List<JsonElement>> ReadRunAsync(string run, int expected)
    {
        using var reader = await Cluster.CreateClientAsync("acme-reader");
        var entries = new List<JsonElement>();
        for (var attempt = 0; attempt < 50 && entries.Count < expected; attempt++)
        {
            await Task.Delay(attempt == 0 ? 0 : 200);
            var page = await reader.GetFromJsonAsync<JsonElement>($"/api/v1/entries?stream=acme/app&prop.Run={run}&order=oldest&limit=100");
            entries = [.. page.GetProperty("entries").EnumerateArray().Select(e => e.Clone())];
        }

        return entries;
    }
}
