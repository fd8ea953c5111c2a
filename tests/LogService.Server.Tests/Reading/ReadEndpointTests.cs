using System.Net;
using System.Text.Json.Nodes;
using LogService.Core.Entries;
using LogService.Sealing.Merkle;
using LogService.Server.Reading;
using LogService.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace LogService.Server.Tests.Reading;

public sealed class ReadEndpointTests(ReadingHost host) : IClassFixture<ReadingHost>
{
    private static readonly (string, string)[] None = [];

    [Fact]
    public async Task AQueryPagesThroughVerifiedDecryptedEntriesNewestFirst()
    {
        host.CreateStream("acme", "orders");
        host.Write("acme/orders", ReadingHost.AppMask, [.. Enumerable.Range(0, 30).Select(i => ((EntryLevel)(i % 6), $"order {i}", new[] { ("OrderId", $"o-{i}") }))]);
        var reviewer = host.Token("acme", "logs.read");

        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var (status, page) = await host.GetAsync($"/api/v1/entries?stream=acme/orders&level=Warning&limit=4{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}", reviewer);
            Assert.Equal(HttpStatusCode.OK, status);
            foreach (var entry in page!["entries"]!.AsArray())
            {
                Assert.Equal("verified", (string?)entry!["integrity"]!["state"]);
                Assert.StartsWith("order ", (string?)entry["body"]!["renderedMessage"], StringComparison.Ordinal);
                Assert.True((int)LevelOf(entry) >= (int)EntryLevel.Warning);
                seen.Add((long)entry["sequence"]!);
            }

            cursor = (string?)page["nextCursor"];
        }
        while (cursor is not null);

        Assert.Equal(15, seen.Count); // levels 3, 4 and 5 of 30 entries
        Assert.Equal(seen.OrderDescending(), seen);
        var (_, count) = await host.GetAsync("/api/v1/entries/count?stream=acme/orders&level=Warning", reviewer);
        Assert.Equal(15, (long)count!["count"]!);
        var (_, histogram) = await host.GetAsync("/api/v1/entries/histogram?stream=acme/orders&bucket=1h", reviewer);
        Assert.Equal(31, histogram!["buckets"]!.AsArray().Sum(b => (long)b!["count"]!)); // with the open entry
    }

    [Fact]
    public async Task TextAndPropertyFiltersRunOverTheDecryptedBodies()
    {
        host.CreateStream("acme", "shipping");
        host.Write("acme/shipping", ReadingHost.AppMask,
            [.. Enumerable.Range(0, 40).Select(i => (EntryLevel.Information, i % 10 == 3 ? $"parcel {i} lost" : $"parcel {i} delivered", new[] { ("Carrier", i % 2 == 0 ? "dhl" : "ups") }))]);
        var reviewer = host.Token("acme", "logs.read");

        var (_, lost) = await host.GetAsync("/api/v1/entries?stream=acme/shipping&text=LOST&limit=2", reviewer);
        var (_, ups) = await host.GetAsync("/api/v1/entries?stream=acme/shipping&prop.Carrier=ups&text=lost", reviewer);
        var (_, notDhl) = await host.GetAsync("/api/v1/entries?stream=acme/shipping&notprop.Carrier=dhl&text=parcel&limit=1000", reviewer);

        Assert.Equal(2, lost!["entries"]!.AsArray().Count);
        Assert.NotNull((string?)lost["nextCursor"]);
        Assert.All(ups!["entries"]!.AsArray(), e => Assert.Equal("ups", (string?)e!["body"]!["properties"]!["Carrier"]));
        Assert.Equal([33L, 23L, 13L, 3L], ups["entries"]!.AsArray().Select(e => (long)e!["sequence"]! - 1));
        Assert.Equal(20, notDhl!["entries"]!.AsArray().Count);
    }

    [Fact]
    public async Task TenantACannotReadTenantBThroughAnyEndpoint()
    {
        host.CreateStream("globex", "secrets");
        host.Write("globex/secrets", ReadingHost.AppMask, (EntryLevel.Error, "globex only", None));
        var acme = host.Token("acme", "logs.read logs.audit");

        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, "/api/v1/entries?stream=globex/secrets"),
            (HttpMethod.Get, "/api/v1/streams/globex/secrets/entries/1"),
            (HttpMethod.Get, "/api/v1/streams/globex/secrets/sealed"),
            (HttpMethod.Get, "/api/v1/streams/globex/secrets/keys?from=0&to=1"),
            (HttpMethod.Post, "/api/v1/streams/globex/secrets/verify"),
            (HttpMethod.Get, "/api/v1/streams/globex/secrets/head"),
            (HttpMethod.Get, "/api/v1/entries/count?stream=globex/secrets"),
        })
        {
            var (status, problem) = await host.GetAsync(path, acme, method);
            Assert.True(status == HttpStatusCode.Forbidden, $"{path}: {status}");
            Assert.True(problem?["rule"] is not null, $"{path}: {problem?.ToJsonString()}");
            Assert.Equal("tenant-isolation", (string?)problem!["rule"]);
            Assert.Equal("(built-in)", (string?)problem["file"]);
        }

        var (_, everything) = await host.GetAsync("/api/v1/entries?limit=1000", acme);
        Assert.DoesNotContain(everything!["entries"]!.AsArray(), e => ((string?)e!["streamId"])!.StartsWith("globex/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AReviewerGetsNoBodyAndNoKeyForASecurityMaskedEntry()
    {
        host.CreateStream("acme", "auth");
        host.Write("acme/auth", ReadingHost.AppMask, (EntryLevel.Information, "login ok", None));
        host.Write("acme/auth", ReadingHost.SecurityMask, (EntryLevel.Warning, "brute force from {ip}", [("ip", "10.0.0.9")]));
        var reviewer = host.Token("acme", "logs.read");
        var admin = host.Token("acme", "tenant.admin");

        var (_, entry) = await host.GetAsync("/api/v1/streams/acme/auth/entries/2", reviewer);
        var (_, keys) = await host.GetAsync("/api/v1/streams/acme/auth/keys?from=0&to=2", reviewer);
        var (_, adminEntry) = await host.GetAsync("/api/v1/streams/acme/auth/entries/2", admin);

        Assert.Null(entry!["body"]);
        Assert.Equal("unverifiable", (string?)entry["integrity"]!["state"]);
        Assert.Equal([0L, 1L], keys!["keys"]!.AsArray().Select(k => (long)k!["sequence"]!));
        Assert.Equal("verified", (string?)adminEntry!["integrity"]!["state"]);
        Assert.Equal("[redacted]", (string?)adminEntry["body"]!["properties"]!["ip"]); // hidden from all but auditors
        Assert.DoesNotContain("10.0.0.9", adminEntry.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedactedValuesAreHiddenAndCannotBeFoundByFilters()
    {
        host.CreateStream("acme", "users");
        host.Write("acme/users", ReadingHost.AppMask, (EntryLevel.Information, "user {email} signed in", [("email", "ann@example.org")]));
        var reviewer = host.Token("acme", "logs.read");
        var auditor = host.Token("acme", "logs.audit");

        var (_, page) = await host.GetAsync("/api/v1/entries?stream=acme/users&level=Information", reviewer);
        var (_, probe) = await host.GetAsync("/api/v1/entries?stream=acme/users&text=ann@example", reviewer);
        var (_, propProbe) = await host.GetAsync("/api/v1/entries?stream=acme/users&prop.email=ann@example.org", reviewer);
        var (_, audited) = await host.GetAsync("/api/v1/entries?stream=acme/users&text=ann@example", auditor);

        var body = page!["entries"]![0]!["body"]!;
        Assert.Equal("[redacted]", (string?)body["properties"]!["email"]);
        Assert.Equal("user [redacted] signed in", (string?)body["renderedMessage"]);
        Assert.Empty(probe!["entries"]!.AsArray());
        Assert.Empty(propProbe!["entries"]!.AsArray());
        Assert.Single(audited!["entries"]!.AsArray());
    }

    [Fact]
    public async Task AByteChangedInAStoredSealedEntryShowsIntegrityBrokenThere()
    {
        host.CreateStream("acme", "payments");
        host.Write("acme/payments", ReadingHost.AppMask, [.. Enumerable.Range(0, 6).Select(i => (EntryLevel.Information, $"payment {i}", None))]);
        StoreTampering.FlipABitOfTheBody(host.DatabasePath, "acme/payments", 4); // one bit inside entry 4's encrypted body

        var auditor = host.Token("acme", "logs.audit");
        var (_, page) = await host.GetAsync("/api/v1/entries?stream=acme/payments&order=oldest", auditor);
        var (_, report) = await host.GetAsync("/api/v1/streams/acme/payments/verify", auditor, HttpMethod.Post);
        var (_, entry) = await host.GetAsync("/api/v1/streams/acme/payments/entries/4", auditor);

        var states = page!["entries"]!.AsArray().ToDictionary(e => (long)e!["sequence"]!, e => e!["integrity"]!);
        Assert.Equal("broken", (string?)states[4]["state"]);
        Assert.Contains("link", (string?)states[4]["detail"], StringComparison.Ordinal);
        Assert.Null(page["entries"]!.AsArray().Single(e => (long)e!["sequence"]! == 4)!["body"]);
        Assert.All(states.Where(s => s.Key != 4 && s.Key != 5), s => Assert.Equal("verified", (string?)s.Value["state"]));
        Assert.Equal(4, (long)report!["firstFailure"]!["sequence"]!);
        Assert.False((bool)report["valid"]!);
        Assert.Equal("broken", (string?)entry!["integrity"]!["state"]);
    }

    [Fact]
    public async Task TruncationBehindACertifiedHeadIsReported()
    {
        host.CreateStream("acme", "ledger");
        host.Write("acme/ledger", ReadingHost.AppMask, [.. Enumerable.Range(0, 8).Select(i => (EntryLevel.Information, $"ledger {i}", None))]);
        var head = host.Store.GetHead("acme/ledger")!;
        host.Store.RecordCertifiedHead(new LogService.Storage.CertifiedHead("acme/ledger", head.LastSequence, head.YHead,
            HeadMerkleRoot.Of(head), 1, [1, 2, 3]));
        using (var db = new SqliteConnection($"Data Source={host.DatabasePath}"))
        {
            db.Open();
            using var cut = db.CreateCommand();
            cut.CommandText = "DELETE FROM entries WHERE stream_id = (SELECT id FROM names WHERE name = 'acme/ledger') AND seq >= 6";
            Assert.Equal(3, cut.ExecuteNonQuery());
        }

        var (_, report) = await host.GetAsync("/api/v1/streams/acme/ledger/verify", host.Token("acme", "logs.audit"), HttpMethod.Post);

        Assert.Equal("Truncated", (string?)report!["firstFailure"]!["failure"]);
        Assert.Equal(6, (long)report["firstFailure"]!["sequence"]!);
    }

    [Fact]
    public async Task AnEntryComesWithAnInclusionProofAndHeadsWithConsistencyProofs()
    {
        host.CreateStream("acme", "proofs");
        host.Write("acme/proofs", ReadingHost.AppMask, [.. Enumerable.Range(0, 20).Select(i => (EntryLevel.Information, $"proof {i}", None))]);
        var reviewer = host.Token("acme", "logs.read");

        var (_, entry) = await host.GetAsync("/api/v1/streams/acme/proofs/entries/13", reviewer);
        var (_, consistency) = await host.GetAsync("/api/v1/streams/acme/proofs/consistency?first=7&second=21", reviewer);

        var proof = entry!["proof"]!;
        var leaf = MerkleHash.HashLeaf(Convert.FromBase64String((string)entry["sealed"]!));
        Assert.True(MerkleProof.VerifyInclusion(leaf, 13, (long)proof["treeSize"]!, Hashes(proof["path"]), Convert.FromBase64String((string)proof["root"]!)));
        Assert.True(MerkleProof.VerifyConsistency(7, 21, Convert.FromBase64String((string)consistency!["firstRoot"]!),
            Convert.FromBase64String((string)consistency["secondRoot"]!), Hashes(consistency["path"])));
        Assert.Equal(HeadMerkleRoot.Of(host.Store.GetHead("acme/proofs")!), Convert.FromBase64String((string)consistency["secondRoot"]!));
    }

    [Fact]
    public async Task TheKeyEndpointNeverReturnsASecretOfTheChain()
    {
        host.CreateStream("acme", "vault");
        host.Write("acme/vault", ReadingHost.AppMask, [.. Enumerable.Range(0, 10).Select(i => (EntryLevel.Information, $"vault {i}", None))]);
        var auditor = host.Token("acme", "logs.audit");

        var (_, escrow) = await host.GetAsync("/api/v1/streams/acme/vault/escrow", auditor, HttpMethod.Post, JsonContent("""{"k":2,"m":3}"""));
        var shares = escrow!["shares"]!.AsArray().Select(s => LogService.Sealing.Escrow.ShamirShare.Decode(Convert.FromBase64String((string)s!))).ToList();
        var secret = LogService.Sealing.Escrow.ShamirSecretSharing.Combine([shares[0], shares[2]]);
        var (_, keys) = await host.GetAsync("/api/v1/streams/acme/vault/keys?from=0&to=10", auditor);

        var released = keys!["keys"]!.AsArray().Select(k => Convert.FromBase64String((string)k!["key"]!)).ToList();
        Assert.Equal(11, released.Count);
        for (var j = 0; j <= 11; j++)
        {
            Assert.DoesNotContain(released, k => k.AsSpan().SequenceEqual(secret));
            secret = System.Security.Cryptography.SHA256.HashData([.. "evolve"u8.ToArray(), .. secret]);
        }

        var (status, _) = await host.GetAsync("/api/v1/streams/acme/vault/escrow", host.Token("acme", "logs.read"), HttpMethod.Post, JsonContent("""{"k":2,"m":3}"""));
        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task ReadsAndDenialsAreAppendedToTheTenantsAuditStream()
    {
        host.CreateStream("acme", "watched");
        host.Write("acme/watched", ReadingHost.AppMask, (EntryLevel.Information, "watched", None));
        await host.GetAsync("/api/v1/entries?stream=acme/watched", host.Token("acme", "logs.read"));
        await host.GetAsync("/api/v1/entries?stream=acme/watched", host.Token("acme", "logs.read", region: "us"));

        var messages = new List<string>();
        for (var attempt = 0; attempt < 100 && !(messages.Any(m => m.Contains("denied", StringComparison.Ordinal)) && messages.Any(m => m.Contains("allowed", StringComparison.Ordinal))); attempt++)
        {
            await Task.Delay(50);
            var (_, page) = await host.GetAsync("/api/v1/entries?stream=acme/_audit&text=acme/watched&limit=1000", host.Token("acme", "logs.audit"));
            messages = [.. page!["entries"]!.AsArray().Select(e => (string?)e!["body"]?["renderedMessage"] ?? "")];
        }

        Assert.Contains(messages, m => m.Contains("query acme/watched: allowed", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("query acme/watched: denied by rule entries-are-read-in-their-region", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheOpenApiDocumentListsEveryMappedRoute()
    {
        var document = JsonNode.Parse(await host.Client.GetStringAsync("/openapi/v1.json"))!;
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToHashSet();
        var routes = host.App.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/').Replace(":long", "", StringComparison.Ordinal))
            .Where(r => r.StartsWith("/api/", StringComparison.Ordinal));

        Assert.StartsWith("3.", (string?)document["openapi"], StringComparison.Ordinal);
        Assert.All(routes, r => Assert.Contains(r, paths));
        Assert.Contains("/api/v1/entries", paths);
    }

    [Fact]
    public async Task BadParametersGetProblemDetails()
    {
        var reviewer = host.Token("acme", "logs.read");
        foreach (var path in new[] { "/api/v1/entries?limit=0", "/api/v1/entries?level=loud", "/api/v1/entries?cursor=zzz&stream=acme/orders", "/api/v1/entries?nonsense=1", "/api/v1/entries/count?text=x" })
        {
            var (status, problem) = await host.GetAsync(path, reviewer);
            Assert.True(status == HttpStatusCode.BadRequest, $"{path}: {status}");
            Assert.StartsWith("urn:logservice:problem:read:", (string?)problem!["type"], StringComparison.Ordinal);
        }

        var (unauthorized, _) = await host.GetAsync("/api/v1/entries", "not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized);
    }

    private static EntryLevel LevelOf(JsonNode entry) => Enum.Parse<EntryLevel>((string)entry["level"]!);

    private static List<byte[]> Hashes(JsonNode? path) => [.. path!.AsArray().Select(h => Convert.FromBase64String((string)h!))];

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
