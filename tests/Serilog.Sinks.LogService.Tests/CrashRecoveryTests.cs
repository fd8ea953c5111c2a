using System.Diagnostics;
using Serilog.Sinks.LogService.Tests.Support;

namespace Serilog.Sinks.LogService.Tests;

public sealed class CrashRecoveryTests : IDisposable
{
    private readonly SinkHarness _harness = new();

    [Fact]
    public async Task EveryEventOfAProcessKilledMidWriteIsDeliveredExactlyOnceAfterItRestarts()
    {
        await using var server = await FakeLogService.StartAsync(_harness.Keys);
        server.ResponseDelay = TimeSpan.FromMilliseconds(30);
        var keySet = Path.Combine(_harness.BufferDirectory, "replicas.json");
        File.WriteAllText(keySet, _harness.Keys.KeySetJson());
        var buffer = Path.Combine(_harness.BufferDirectory, "buffer");

        using (var first = StartChild(buffer, server.Url, keySet, 0, -1))
        {
            Assert.Equal("started", await first.StandardOutput.ReadLineAsync());
            Assert.True(await Eventually.TrueAsync(() => server.Stored.Count >= 3000), "the first process shipped some events");
            first.Kill(); // SIGKILL: no flush, no dispose, possibly in the middle of a record or a request
            await first.WaitForExitAsync();
        }

        const long SecondStart = 1_000_000_000;
        using (var second = StartChild(buffer, server.Url, keySet, SecondStart, 500))
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await second.WaitForExitAsync(limit.Token);
            Assert.Equal(0, second.ExitCode);
        }

        var stored = server.Stored;
        var sequences = stored.Select(e => e.Sequence).Order().ToList();
        Assert.Equal(Enumerable.Range(0, sequences.Count).Select(i => (long)i), sequences); // each sequence once, no gap
        var numbers = stored.Select(e => e.Event.GetProperty("I").GetInt64()).ToList();
        var firstRun = numbers.Where(n => n < SecondStart).Order().ToList();
        Assert.Equal(Enumerable.Range(0, firstRun.Count).Select(i => (long)i), firstRun); // a prefix of what was logged, each once
        Assert.Equal(Enumerable.Range(0, 500).Select(i => SecondStart + i), numbers.Where(n => n >= SecondStart).Order());
        Assert.True(firstRun.Count >= 3000);
        Assert.True(server.MostConcurrentWrites >= 2, "several batches were in flight"); // the child keeps the default window
    }

    private static Process StartChild(string buffer, Uri server, string keySet, long first, long count)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "exec", typeof(CrashChild).Assembly.Location, "crash-child", buffer, server.ToString(), keySet, first.ToString(System.Globalization.CultureInfo.InvariantCulture), count.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    public void Dispose() => _harness.Dispose();
}
