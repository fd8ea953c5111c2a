using System.Diagnostics;
using System.Text.RegularExpressions;
using LogService.Storage.Tests.Support;

namespace LogService.Storage.Tests;

/// <summary>
/// Sync=full means the write-ahead log is on stable storage before a batch is acknowledged. A kill -9 cannot tell
/// (the page cache survives it), so this watches the system calls of the crash child: before it acknowledges batch
/// N, a flush of the database's WAL file (fsync or fdatasync, on any thread) must have started after the last write
/// of batch N's frames returned. The child appends one batch at a time (depth 1) or keeps up to three committed batches
/// waiting for their flush (depth 3, <see cref="ILogStore.AppendBatchPipelined"/>), printing "commit N" when batch N
/// returned from its commit (pipelined only) and "ack N" when its durability was reported.
/// </summary>
public sealed partial class SqliteDurabilityTests : IDisposable
{
    private const int Acknowledgements = 15;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void EveryAcknowledgedBatchIsFlushedToTheWriteAheadLogFirst(int depth)
    {
        Assert.True(File.Exists("/usr/bin/strace"), "This test traces the writer's system calls with strace (Debian package 'strace').");
        var path = _directory.File("durable.db");
        var trace = _directory.File("trace.txt");
        RunTracedChild(path, trace, depth);

        // Calls in the order strace saw them (it stops every thread at each traced call, so the order is real). A call
        // another thread interrupted is split into "... <unfinished ...>" (where it started) and "<... name resumed>"
        // (where it returned); a call on one line started and returned there.
        var walFlushes = new List<(int Start, int End)>();
        var walWritesEnded = new List<int>();
        var committedAt = new Dictionary<long, int>();
        var acknowledgedAt = new List<(long Instance, int At)>();
        var unfinished = new Dictionary<string, (string Name, string File, int Start)>();
        var position = 0;
        foreach (var line in File.ReadLines(trace))
        {
            position++;
            string name, file;
            int start;
            if (Resumed().Match(line) is { Success: true } resumed)
            {
                if (!unfinished.Remove(resumed.Groups["tid"].Value, out var call))
                {
                    continue;
                }

                (name, file, start) = call;
            }
            else if (Syscall().Match(line) is { Success: true } call)
            {
                (name, file, start) = (call.Groups["name"].Value, call.Groups["file"].Value, position);
                if (line.EndsWith("<unfinished ...>", StringComparison.Ordinal))
                {
                    unfinished[call.Groups["tid"].Value] = (name, file, position);
                    if (name == "write" && Output().Match(line) is { Success: true } output)
                    {
                        Record(output, position);
                    }

                    continue;
                }

                if (name == "write" && Output().Match(line) is { Success: true } whole)
                {
                    Record(whole, position);
                }
            }
            else
            {
                continue;
            }

            if (file == path + "-wal")
            {
                if (name is "fsync" or "fdatasync")
                {
                    walFlushes.Add((start, position));
                }
                else if (name == "pwrite64")
                {
                    walWritesEnded.Add(position);
                }
            }
        }

        void Record(Match output, int at)
        {
            var instance = long.Parse(output.Groups["instance"].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (output.Groups["what"].Value == "commit")
            {
                committedAt[instance] = at;
            }
            else
            {
                acknowledgedAt.Add((instance, at));
            }
        }

        Assert.True(acknowledgedAt.Count >= Acknowledgements, $"only {acknowledgedAt.Count} acknowledgements were traced");
        Assert.NotEmpty(walWritesEnded);
        foreach (var (instance, at) in acknowledgedAt)
        {
            // The writer thread alone writes the WAL, the commit frame of a batch last: so the batch's commit is the
            // last WAL write before the child printed "commit N" (pipelined) or "ack N" (one at a time).
            var returned = depth == 1 ? at : committedAt[instance];
            var committed = walWritesEnded.LastOrDefault(end => end < returned);
            Assert.True(walFlushes.Any(flush => flush.Start > committed && flush.End < at),
                $"batch {instance} was acknowledged (trace line {at}) without a flush of the WAL that started after its commit (line {committed})");
        }
    }

    /// <summary>Runs the crash child under strace until it acknowledged enough batches, then kills both.</summary>
    private static void RunTracedChild(string path, string trace, int depth)
    {
        var start = new ProcessStartInfo("strace")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-f", "-qq", "-y", "-e", "trace=fsync,fdatasync,write,pwrite64", "-o", trace,
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet",
            Path.Combine(AppContext.BaseDirectory, "LogService.Storage.CrashChild.dll"), path,
            depth.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        var acknowledged = 0;
        using var enough = new ManualResetEventSlim();
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data?.StartsWith("ack ", StringComparison.Ordinal) == true && Interlocked.Increment(ref acknowledged) > Acknowledgements)
            {
                enough.Set();
            }
        };
        process.Start();
        var errors = process.StandardError.ReadToEndAsync();
        process.BeginOutputReadLine();
        var reached = enough.Wait(TimeSpan.FromSeconds(120));
        var exited = process.HasExited;
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        Assert.True(reached && !exited, $"the traced child did not acknowledge {Acknowledgements} batches: {errors.Result}");
    }

    // strace -f -y lines: "1234 fdatasync(23</tmp/x/durable.db-wal>) = 0" or "1234 write(1<pipe:[99]>, \"ack 3\\n\", 6) = 6";
    // a call another thread interrupted is split into "... <unfinished ...>" and "1234 <... fdatasync resumed>) = 0",
    // the first part of which carries the name, file and arguments.
    [GeneratedRegex(@"^(?<tid>\d+) +(?<name>fsync|fdatasync|write|pwrite64)\(\d+<(?<file>[^>]*)>")]
    private static partial Regex Syscall();

    [GeneratedRegex(@"^(?<tid>\d+) +<\.\.\. (fsync|fdatasync|write|pwrite64) resumed>")]
    private static partial Regex Resumed();

    [GeneratedRegex(@"""(?<what>commit|ack) (?<instance>\d+)\\n""")]
    private static partial Regex Output();
}
