using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using LogService.Storage;

namespace LogService.Bench;

/// <summary>
/// Query (issue 5 §8): filtered pages of 100 entries through <c>GET /api/v1/entries</c> over one stream of 10M sealed
/// entries (200k with <c>--quick</c>), with token validation, policy, key release by T, decryption, redaction and
/// per-entry integrity checks. The store is filled in batches of 1,000 by the Log Core state machine directly (no
/// consensus: loading 10M entries through it would take hours). Queries cycle through the typical filters: stream +
/// level + source node + one-hour window; stream + level + window + free text; stream + window + property; and the
/// next page of each through its cursor. Pages are timed to the last byte of the answer; <c>cpu_ms_per_query</c> is the
/// process's CPU time during the requests, which a loaded machine distorts less than the latencies. The baseline is
/// the header-filtered page read straight from storage. The filled store is shared with the console scenario and
/// kept between runs (<see cref="ReadApiOverStore"/>).
/// </summary>
internal sealed class QueryScenario : IBenchScenario
{
    private const long HourMicros = 3_600_000_000;

    public string Name => "query";

    public async Task<JsonObject> RunAsync(BenchContext context)
    {
        var stored = context.Quick ? 200_000 : 10_000_000;
        var queries = context.Quick ? 200 : 1_000;
        await using var world = await ReadApiOverStore.StartAsync(context, Name, stored);
        using var http = new HttpClient { BaseAddress = new Uri(world.ApiUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", world.Token());
        var random = new Random(7);
        var api = new List<double>(queries);
        var baseline = new List<double>(queries);
        var byKind = new Dictionary<string, List<double>>();
        long returned = 0;
        var cpu = TimeSpan.Zero;
        using var process = Process.GetCurrentProcess();
        string? cursorOf = null;
        for (var i = -20; i < queries; i++)
        {
            var toMicros = (world.FirstMillis + (long)(random.NextDouble() * (world.LastMillis - world.FirstMillis))) * 1000 + 1;
            var fromMicros = toMicros - HourMicros;
            var node = $"node-{random.Next(ReadApiOverStore.Nodes)}";
            var (kind, path) = (i & 3) switch
            {
                0 => ("header", $"/api/v1/entries?stream=bench/app&level=Warning&sourceNode={node}&from={fromMicros}&to={toMicros}&limit=100"),
                1 => ("text", $"/api/v1/entries?stream=bench/app&level=Warning&from={fromMicros}&to={toMicros}&text=delayed&limit=100"),
                2 => ("property", $"/api/v1/entries?stream=bench/app&from={fromMicros}&to={toMicros}&prop.Region={ReadApiOverStore.Regions[random.Next(ReadApiOverStore.Regions.Length)]}&limit=100"),
                _ => ("cursor", cursorOf!),
            };
            var cpuBefore = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var text = await GetPageAsync(http, path);
            var apiMs = clock.Elapsed.TotalMilliseconds;
            var apiCpu = process.TotalProcessorTime - cpuBefore;

            // Timed to the last byte of the answer, as the console scenario is; the client's parsing is not the API's.
            var page = JsonNode.Parse(text)!;
            var next = (string?)page["nextCursor"];
            cursorOf = next is null ? $"/api/v1/entries?stream=bench/app&limit=100" : $"{path.Split("&cursor=")[0]}&cursor={Uri.EscapeDataString(next)}";
            clock.Restart();
            world.Store.Query(new EntryQuery { Filter = new EntryFilter { StreamId = "bench/app", MinLevel = 3, SourceNode = node, FromMicros = fromMicros, ToMicros = toMicros }, PageSize = 100 });
            var storeMs = clock.Elapsed.TotalMilliseconds;
            if (i >= 0)
            {
                // The first 20 warm the JIT and the key ladder's lower rungs; they are not counted.
                api.Add(apiMs);
                cpu += apiCpu;
                baseline.Add(storeMs);
                (byKind.TryGetValue(kind, out var list) ? list : byKind[kind] = []).Add(apiMs);
                var entries = page["entries"]!.AsArray();
                returned += entries.Count;
                if (entries.Any(e => (string?)e!["integrity"]!["state"] != "verified"))
                {
                    throw new InvalidOperationException("a benchmark page held an entry that did not verify");
                }
            }

            if (i % 100 == 0 && i >= 0)
            {
                context.Progress.Report("query", i, queries);
            }
        }

        var figures = new JsonObject
        {
            ["query_p50_ms"] = Stats.Round(Stats.Percentile(api, 0.50), 2),
            ["query_p99_ms"] = Stats.Round(Stats.Percentile(api, 0.99), 2),
            ["cpu_ms_per_query"] = Stats.Round(cpu.TotalMilliseconds / queries, 2),
            ["stored_entries"] = stored,
            ["queries"] = queries,
            ["entries_per_page"] = Stats.Round((double)returned / queries, 1),
            ["baseline_store_page_p50_ms"] = Stats.Round(Stats.Percentile(baseline, 0.50), 2),
            ["baseline_store_page_p99_ms"] = Stats.Round(Stats.Percentile(baseline, 0.99), 2),
        };
        foreach (var (kind, samples) in byKind)
        {
            figures[$"query_{kind}_p50_ms"] = Stats.Round(Stats.Percentile(samples, 0.50), 2);
            figures[$"query_{kind}_p99_ms"] = Stats.Round(Stats.Percentile(samples, 0.99), 2);
        }

        return figures;
    }

    private static async Task<string> GetPageAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode
            ? text
            : throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {response.Headers.WwwAuthenticate} {text}");
    }

}
