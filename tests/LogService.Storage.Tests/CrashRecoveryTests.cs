using System.Diagnostics;
using System.Globalization;
using LogService.Sealing;
using LogService.Sealing.Verification;
using LogService.Storage.CrashChild;
using LogService.Storage.Tests.Support;
using Microsoft.Data.Sqlite;

namespace LogService.Storage.Tests;

/// <summary>
/// A child process appends batches to a SQLite store and is killed with SIGKILL at random moments; after every kill
/// the store must open, hold every acknowledged batch whole, and its chains must verify. Every other run appends
/// pipelined (<see cref="ILogStore.AppendBatchPipelined"/>, up to three batches committed ahead of their sync).
/// </summary>
public sealed class CrashRecoveryTests : IDisposable
{
    private const int Kills = 50;
    private readonly TempDirectory _directory = new();
    private readonly Random _random = new(20261121);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void KilledWriterNeverLosesOrTearsAnAcknowledgedBatch()
    {
        var path = _directory.File("crash.db");
        var expected = new ExpectedStreams();
        var highestAcknowledged = -1L;
        var killsAfterProgress = 0;
        for (var kill = 0; kill < Kills; kill++)
        {
            var acknowledged = RunChildAndKill(path, depth: kill % 2 == 0 ? 1 : 3);
            if (acknowledged > highestAcknowledged)
            {
                killsAfterProgress++;
                highestAcknowledged = acknowledged;
            }

            using var store = LogStores.OpenSqlite(new SqliteStoreOptions { Path = path });
            var applied = store.LastAppliedInstance;
            Assert.True(applied >= highestAcknowledged,
                $"after kill {kill} the store holds instance {applied} but instance {highestAcknowledged} was acknowledged");
            expected.AdvanceTo(applied);
            expected.AssertStoredIn(store);
        }

        Assert.True(killsAfterProgress >= Kills / 2, $"only {killsAfterProgress} of {Kills} kills interrupted a writer that had made progress");
    }

    /// <summary>Starts the child, kills it at a random moment and returns the highest instance it acknowledged.</summary>
    private long RunChildAndKill(string path, int depth)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LogService.Storage.CrashChild.dll"));
        start.ArgumentList.Add(path);
        start.ArgumentList.Add(depth.ToString(CultureInfo.InvariantCulture));
        using var process = new Process { StartInfo = start };
        var acknowledged = -1L;
        using var writing = new ManualResetEventSlim();
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                return;
            }

            if (line.Data.StartsWith("ack ", StringComparison.Ordinal))
            {
                Volatile.Write(ref acknowledged, long.Parse(line.Data.AsSpan(4), CultureInfo.InvariantCulture));
                writing.Set();
            }
        };
        process.Start();
        var errors = process.StandardError.ReadToEndAsync();
        process.BeginOutputReadLine();

        // Mostly kill a writer in full swing (after its first commit of this run); one time in five, anywhere from
        // start-up and recovery onwards.
        if (_random.Next(5) == 0)
        {
            Thread.Sleep(_random.Next(400));
        }
        else
        {
            // Returns early if the child dies first; that is reported below.
            writing.Wait(TimeSpan.FromSeconds(60));
            Thread.Sleep(_random.Next(10, 250));
        }

        if (process.HasExited)
        {
            Assert.Fail($"the crash child exited on its own with code {process.ExitCode}: {errors.Result}");
        }

        process.Kill();
        process.WaitForExit();
        return Volatile.Read(ref acknowledged);
    }

    /// <summary>What the store must hold: the child's batches rebuilt by sealing them again in this process.</summary>
    private sealed class ExpectedStreams
    {
        private readonly Dictionary<string, StreamSealer> _sealers = CrashWorkload.CreateSealers();
        private readonly Dictionary<string, List<EntryRecord>> _entries = CrashWorkload.Streams.ToDictionary(s => s, _ => new List<EntryRecord>());
        private long _applied = -1;

        public void AdvanceTo(long instance)
        {
            for (; _applied < instance; _applied++)
            {
                foreach (var entry in CrashWorkload.NextBatch(_applied + 1, _sealers).Entries)
                {
                    _entries[entry.StreamId].Add(entry);
                }
            }
        }

        public void AssertStoredIn(ILogStore store)
        {
            foreach (var (stream, expected) in _entries)
            {
                var stored = store.ReadRange(stream, 0, long.MaxValue).Entries;
                Assert.Equal(expected.Count, stored.Count);
                for (var i = 0; i < stored.Count; i++)
                {
                    Assert.Equal(expected[i].SealedEntry, stored[i].SealedEntry);
                }

                Assert.Null(ChainVerifier.VerifyFromGenesis(stored, stream));
                var head = store.GetHead(stream);
                if (expected.Count > 0)
                {
                    Assert.NotNull(head);
                    Assert.Equal(expected.Count - 1, head.LastSequence);
                    Assert.Equal(_sealers[stream].Head.ToArray(), head.YHead);
                    var full = StreamVerifier.VerifyFull(stream, CrashWorkload.InitialSecret(stream),
                        stored.Select(e => (ReadOnlyMemory<byte>)e.SealedEntry).ToList(),
                        new VerificationOptions { KnownHead = new KnownHead(head.LastSequence + 1, head.YHead), MaxDegreeOfParallelism = 1 });
                    Assert.True(full.IsValid, $"{stream}: {full}");
                }
            }

            SqliteConnection.ClearAllPools();
        }
    }
}
