using LogService.Console.Tests.Support;
using LogService.Testing;
using Microsoft.Playwright;

namespace LogService.Console.Tests.Cluster;

/// <summary>A byte changed in one replica's stored entry, seen through a console that reads that replica.</summary>
[Collection(ClusterWorldCollection.Name)]
public sealed class ClusterTamperTests(ClusterWorld world)
{
    private const int Tampered = 3;

    [Fact]
    public async Task AStoredEntryChangedOnAReplicaShowsBrokenAtThatEntryAndItsProofFails()
    {
        // Entry 5 of acme/payments is the 5th written (entry 0 opens the stream).
        await world.Cluster.StopReplicaAsync(Tampered);
        StoreTampering.FlipABitOfTheBody(world.Cluster.StorePath(Tampered), "acme/payments", 5);
        await world.Cluster.RestartAsync(Tampered);
        var console = await world.ConsoleOfReplicaAsync(Tampered);

        var page = await world.SignedInPageAsync("alice", "/entry/acme/payments/5", console: console);
        await Assertions.Expect(page.Locator(".badge.integrity.broken")).ToHaveTextAsync("✗ broken at entry 5");
        await Assertions.Expect(page.Locator("#proof")).ToContainTextAsync("inclusion proof not verified");

        await page.GotoAsync(console + "/events?stream=acme/payments&limit=50");
        var broken = await page.Locator("tr.row-broken").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.key)");
        Assert.Contains("acme/payments#5", broken);
        Assert.DoesNotContain(broken, k => int.Parse(k.Split('#')[1], System.Globalization.CultureInfo.InvariantCulture) < 5);

        await page.GotoAsync(console + "/verify?stream=acme/payments&run=1");
        await Assertions.Expect(page.Locator("#verify-result")).ToContainTextAsync("First bad entry: #5");

        // The other replicas still hold the entry as it was sealed.
        var intact = await world.SignedInPageAsync("alice", "/entry/acme/payments/5");
        await Assertions.Expect(intact.Locator("#proof")).ToContainTextAsync("inclusion proof verified");
    }
}
