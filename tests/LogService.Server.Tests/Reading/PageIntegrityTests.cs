using System.Text.Json.Nodes;
using LogService.Core.Entries;
using LogService.Testing;

namespace LogService.Server.Tests.Reading;

/// <summary>
/// Pages are checked in runs over the stored range around their entries; every badge must still be the one the
/// per-entry check gives, whether the tampered entry is on the page or between its entries.
/// </summary>
public sealed class PageIntegrityTests(ReadingHost host) : IClassFixture<ReadingHost>
{
    [Fact]
    public async Task ATamperedEntryBetweenPageEntriesLeavesEveryPageEntryVerified()
    {
        host.CreateStream("acme", "between");
        WriteCyclingLevels("acme/between", 60);
        Tamper("acme/between", 21); // Information: not on a Warning page; entry 22 after it is

        var (_, page) = await host.GetAsync("/api/v1/entries?stream=acme/between&level=Warning&order=oldest&limit=100", host.Token("acme", "logs.audit"));
        var (_, single) = await host.GetAsync("/api/v1/streams/acme/between/entries/21", host.Token("acme", "logs.audit"));

        var states = States(page);
        Assert.Equal(30, states.Count);
        Assert.Contains(22L, states.Keys);
        Assert.All(states, s => Assert.Equal("verified", s.Value.State));
        Assert.Equal("broken", (string?)single!["integrity"]!["state"]);
    }

    [Fact]
    public async Task ATamperedEntryOnASparsePageIsBrokenThereAndNowhereElse()
    {
        host.CreateStream("acme", "sparse");
        WriteCyclingLevels("acme/sparse", 60);
        Tamper("acme/sparse", 34); // Warning: on the page, and so is 35 after it

        var auditor = host.Token("acme", "logs.audit");
        var (_, page) = await host.GetAsync("/api/v1/entries?stream=acme/sparse&level=Warning&order=oldest&limit=100", auditor);
        var (_, single) = await host.GetAsync("/api/v1/streams/acme/sparse/entries/34", auditor);

        var states = States(page);
        Assert.Equal("broken", states[34].State);
        Assert.StartsWith("broken link:", states[34].Detail, StringComparison.Ordinal); // the per-entry check's wording
        Assert.Equal("broken", (string?)single!["integrity"]!["state"]);
        Assert.All(states.Where(s => s.Key != 34), s => Assert.Equal("verified", s.Value.State));
        Assert.Contains(35L, states.Keys);
        Assert.Null(page!["entries"]!.AsArray().Single(e => (long)e!["sequence"]! == 34)!["body"]);
    }

    [Fact]
    public async Task EntriesFarApartOnOnePageAreEachCheckedAgainstTheirOwnPredecessor()
    {
        host.CreateStream("acme", "apart");
        host.Write("acme/apart", ReadingHost.AppMask, (EntryLevel.Error, "first", []));
        host.Write("acme/apart", ReadingHost.AppMask, [.. Enumerable.Range(0, 200).Select(i => (EntryLevel.Debug, $"filler {i}", Array.Empty<(string, string)>()))]);
        host.Write("acme/apart", ReadingHost.AppMask, (EntryLevel.Error, "second", []));
        Tamper("acme/apart", 100); // between the two, in neither's reach

        var (_, page) = await host.GetAsync("/api/v1/entries?stream=acme/apart&level=Error&order=oldest", host.Token("acme", "logs.read"));

        var states = States(page);
        Assert.Equal([1L, 202L], states.Keys.Order());
        Assert.All(states, s => Assert.Equal("verified", s.Value.State));
    }

    private static Dictionary<long, (string? State, string? Detail)> States(JsonNode? page) =>
        page!["entries"]!.AsArray().ToDictionary(e => (long)e!["sequence"]!, e => ((string?)e!["integrity"]!["state"], (string?)e["integrity"]!["detail"]));

    /// <summary>Entries 1..count with levels cycling Verbose..Fatal, so a Warning page holds runs of three with gaps of three.</summary>
    private void WriteCyclingLevels(string streamId, int count) =>
        host.Write(streamId, ReadingHost.AppMask, [.. Enumerable.Range(0, count).Select(i => ((EntryLevel)(i % 6), $"event {i}", new[] { ("N", $"{i}") }))]);

    private void Tamper(string streamId, long sequence) => StoreTampering.FlipABitOfTheBody(host.DatabasePath, streamId, sequence);
}
