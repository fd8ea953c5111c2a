using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LogService.Core.Commands;
using LogService.Testing;
using Xunit.Abstractions;

namespace LogService.Server.Tests.SystemTests;

/// <summary>
/// Whole-system runs on four real replica processes: several tenants write in all four formats over HTTP while a
/// replica is killed and restarted, or while one replica is Byzantine; afterwards every writer holds a valid receipt
/// for every batch, each stream holds each batch exactly once, every stream verifies, its certified head checks, and
/// the correct replicas' stores are identical byte for byte.
/// </summary>
[Collection("own deployment")]
public sealed class ReplicatedRunTests(ITestOutputHelper output)
{
    private const int BatchSize = 500;
    private static readonly string[] Tenants = ["acme", "globex", "initech"];
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _checkpointsInstalledWithParts = new();
    private int _failureLines;

    [Fact]
    public async Task HundredThousandEntriesSurviveAReplicaKilledAndRestartedMidRunAndEveryStoreEndsIdentical()
    {
        await using var cluster = await StartAsync(new Dictionary<int, IReadOnlyDictionary<string, string>>());
        var fleet = new WriterFleet(cluster, Tenants, BatchSize);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));

        var writing = fleet.WriteAsync(100_000, timeout.Token);
        var disruption = Task.Run(async () =>
        {
            await WaitForAsync(() => fleet.Written >= 30_000 || writing.IsCompleted, timeout.Token);
            // A follower, not the key-service replica 0: the run then also checks that the writers' front end on the
            // killed replica fails over and that the replica catches up by state transfer after its restart.
            var leader = await LeaderAsync(cluster);
            var victim = Enumerable.Range(1, cluster.Count - 1).First(r => r != leader);
            output.WriteLine($"killing replica {victim} after {fleet.Written} entries");
            await cluster.KillAsync(victim);
            await WaitForAsync(() => fleet.Written >= 65_000 || writing.IsCompleted, timeout.Token);
            output.WriteLine($"restarting replica {victim} after {fleet.Written} entries");
            await cluster.RestartAsync(victim, timeout.Token);
        });
        await writing;
        await disruption;

        await CheckRunAsync(cluster, fleet, [0, 1, 2, 3], timeout.Token);

        // The restarted replica was behind checkpoints that only summarize the stores: it fetched the entries as parts.
        Assert.NotEmpty(_checkpointsInstalledWithParts);
        output.WriteLine(string.Join('\n', _checkpointsInstalledWithParts));
    }

    [Fact]
    public async Task WithOneByzantineReplicaTheCorrectOnesAgreeAndWritersGetValidReceipts()
    {
        // Replica 0 leads first: it equivocates (a different validly signed batch to half the replicas) until it is
        // replaced, signs its ACCEPTs badly and corrupts its replies to every writer's front end.
        var byzantine = new Dictionary<string, string>
        {
            ["LogService:Replica:Faults:Equivocate"] = "true",
            ["LogService:Replica:Faults:BadAcceptSignatures"] = "true",
            ["LogService:Replica:Faults:WrongReplies"] = "true",
        };
        await using var cluster = await StartAsync(new Dictionary<int, IReadOnlyDictionary<string, string>> { [0] = byzantine });
        var fleet = new WriterFleet(cluster, Tenants, BatchSize);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));

        await fleet.WriteAsync(30_000, timeout.Token);

        await CheckRunAsync(cluster, fleet, [1, 2, 3], timeout.Token);
    }

    private async Task<LocalCluster> StartAsync(IReadOnlyDictionary<int, IReadOnlyDictionary<string, string>> replicaSettings) =>
        await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Tenants = [.. Tenants.Select(t => new TestTenant(t))],
            Streams = WriterFleet.StreamsOf(Tenants),

            // Checkpoints (and so state transfer to the restarted replica) happen several times per run.
            ServerSettings = new Dictionary<string, string> { ["LogService:Replica:CheckpointPeriod"] = "64" },
            ReplicaSettings = replicaSettings,
            ReadyTimeout = TimeSpan.FromMinutes(3),
            Output = line =>
            {
                if (System.Text.RegularExpressions.Regex.IsMatch(line, @"installed with [1-9][0-9]* parts"))
                {
                    _checkpointsInstalledWithParts.Enqueue(line);
                }

                // Failures and their stack traces (the indented lines that follow) go to the test's output.
                if (line.Contains("] fail: ", StringComparison.Ordinal) || line.Contains("] crit: ", StringComparison.Ordinal))
                {
                    _failureLines = 60;
                }

                if (_failureLines > 0)
                {
                    _failureLines--;
                    output.WriteLine(line);
                }
            },
        });

    /// <summary>Every check of the end state; <paramref name="correct"/> are the replicas that must agree.</summary>
    private async Task CheckRunAsync(LocalCluster cluster, WriterFleet fleet, int[] correct, CancellationToken cancellationToken)
    {
        using var anonymous = cluster.CreateClient(correct[0]);
        var keySet = await anonymous.GetFromJsonAsync<JsonElement>("/api/v1/replicas", cancellationToken);
        var expectedLast = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (stream, receipts) in fleet.Receipts)
        {
            // Each batch exactly once, in order, each with a receipt of f+1 valid signatures.
            var next = 1L;
            foreach (var receipt in receipts)
            {
                Assert.Null(ReceiptCheck.Problem(receipt, keySet));
                Assert.Equal(next, receipt.GetProperty("firstSequence").GetInt64());
                next = receipt.GetProperty("lastSequence").GetInt64() + 1;
            }

            expectedLast[stream] = next - 1;
        }

        output.WriteLine($"{fleet.Written} entries acknowledged in {fleet.Receipts.Values.Sum(r => r.Count)} receipts");

        // Verify and certify through a replica that never stopped. The certifications are ordered commands, so a
        // restarted replica that missed the end of the run while the writers were idle sees the group ahead of it
        // and catches up by state transfer.
        await WaitUntilEveryReplicaHoldsAsync(cluster, [correct[^1]], expectedLast, cancellationToken);

        foreach (var stream in expectedLast.Keys)
        {
            var tenant = stream[..stream.IndexOf('/', StringComparison.Ordinal)];
            using var auditor = await cluster.CreateClientAsync($"{tenant}-auditor", correct[^1], cancellationToken);
            using var verify = await auditor.PostAsync($"/api/v1/streams/{stream}/verify", null, cancellationToken);
            var report = await verify.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            Assert.True(verify.StatusCode == HttpStatusCode.OK, report.ToString());
            Assert.Equal(JsonValueKind.Null, report.GetProperty("firstFailure").ValueKind);
            Assert.Equal(expectedLast[stream] + 1, report.GetProperty("verified").GetInt64());

            var certificate = await CertifyAsync(auditor, stream, cancellationToken);
            Assert.Null(ReceiptCheck.CertifiedHeadProblem(certificate, keySet));
            Assert.Equal(expectedLast[stream], certificate.GetProperty("statement").GetProperty("lastSequence").GetInt64());
            Assert.Equal(fleet.Receipts[stream][^1].GetProperty("statement").GetProperty("yHead").GetString(), certificate.GetProperty("statement").GetProperty("yHead").GetString());
        }

        // The certificates are recorded in consensus order; wait until every correct replica stored them, then stop.
        await WaitUntilEveryReplicaHoldsAsync(cluster, correct, expectedLast, cancellationToken);
        await WaitForAsync(() => CertifiedEverywhereAsync(cluster, correct, expectedLast, cancellationToken), cancellationToken);
        await cluster.StopAsync();
        var difference = StoreComparison.FirstDifference([.. correct.Select(cluster.StorePath)], SystemStreams.IsReserved);
        Assert.True(difference is null, difference);
    }

    private static async Task WaitUntilEveryReplicaHoldsAsync(LocalCluster cluster, int[] replicas, Dictionary<string, long> expectedLast, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(2));
        var readers = await ReadersAsync(cluster, replicas, deadline.Token);
        try
        {
            await WaitForAsync(
                async () =>
                {
                    foreach (var (_, reader) in readers)
                    {
                        var list = await reader.GetFromJsonAsync<JsonElement>("/api/v1/streams", deadline.Token);
                        foreach (var stream in list.GetProperty("streams").EnumerateArray())
                        {
                            if (expectedLast.TryGetValue(stream.GetProperty("streamId").GetString()!, out var last) && stream.GetProperty("lastSequence").GetInt64() != last)
                            {
                                return false;
                            }
                        }
                    }

                    return true;
                },
                deadline.Token);
        }
        finally
        {
            readers.ForEach(r => r.Http.Dispose());
        }
    }

    private static async Task<bool> CertifiedEverywhereAsync(LocalCluster cluster, int[] replicas, Dictionary<string, long> expectedLast, CancellationToken cancellationToken)
    {
        var readers = await ReadersAsync(cluster, replicas, cancellationToken);
        try
        {
            foreach (var (tenant, reader) in readers)
            {
                foreach (var (stream, last) in expectedLast.Where(s => s.Key.StartsWith(tenant + "/", StringComparison.Ordinal)))
                {
                    using var response = await reader.GetAsync($"/api/v1/streams/{stream}/certified-head", cancellationToken);
                    if (response.StatusCode != HttpStatusCode.OK
                        || (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("statement").GetProperty("lastSequence").GetInt64() != last)
                    {
                        return false;
                    }
                }
            }

            return true;
        }
        finally
        {
            readers.ForEach(r => r.Http.Dispose());
        }
    }

    /// <summary>A reader client of each tenant on each of <paramref name="replicas"/>.</summary>
    private static async Task<List<(string Tenant, HttpClient Http)>> ReadersAsync(LocalCluster cluster, int[] replicas, CancellationToken cancellationToken)
    {
        var readers = new List<(string, HttpClient)>();
        foreach (var replica in replicas)
        {
            foreach (var tenant in Tenants)
            {
                readers.Add((tenant, await cluster.CreateClientAsync($"{tenant}-reader", replica, cancellationToken)));
            }
        }

        return readers;
    }

    /// <summary>Makes a certified head now; a 503 (no 2f+1 signatures in time, e.g. during a leader change) is retried, as a client would.</summary>
    private static async Task<JsonElement> CertifyAsync(HttpClient auditor, string stream, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var certify = await auditor.PostAsync($"/api/v1/streams/{stream}/certified-head", null, cancellationToken);
            var certificate = await certify.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            if (certify.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 5)
            {
                continue;
            }

            Assert.True(certify.StatusCode == HttpStatusCode.OK, certificate.ToString());
            return certificate;
        }
    }

    private static async Task<int> LeaderAsync(LocalCluster cluster)
    {
        using var http = cluster.CreateClient(1);
        http.DefaultRequestHeaders.Authorization = new("Bearer", await cluster.GetTokenAsync("acme-writer"));
        return (await http.GetFromJsonAsync<JsonElement>("/api/v1/status")).GetProperty("leader").GetInt32();
    }

    private static Task WaitForAsync(Func<bool> condition, CancellationToken cancellationToken) =>
        WaitForAsync(() => Task.FromResult(condition()), cancellationToken);

    private static async Task WaitForAsync(Func<Task<bool>> condition, CancellationToken cancellationToken)
    {
        while (!await condition())
        {
            await Task.Delay(200, cancellationToken);
        }
    }
}
