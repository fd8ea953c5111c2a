using System.Diagnostics;
using System.Text.RegularExpressions;
using LogService.Storage.Tests.Support;

namespace LogService.Storage.Tests;

/// <summary>
/// Sync=full means the write-ahead log is on stable storage before a batch is acknowledged. A kill -9 cannot tell
/// (the page cache survives it), so this watches the system calls of the crash child: between any two
/// acknowledgements its writer thread must have flushed the database's WAL file.
/// </summary>
public sealed partial class SqliteDurabilityTests : IDisposable
{
    private const int Acknowledgements = 15;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void EveryAcknowledgedBatchIsFlushedToTheWriteAheadLogFirst()
    {
        Assert.True(File.Exists("/usr/bin/strace"), "This test traces the writer's system calls with strace (Debian package 'strace').");
        var path = _directory.File("durable.db");
        var trace = _directory.File("trace.txt");
        RunTracedChild(path, trace);

        // Per thread, in order: flushes of the WAL (fsync or fdatasync) and lines written to standard output.
        var flushed = new Dictionary<string, bool>();
        var acknowledged = 0;
        foreach (var line in File.ReadLines(trace))
        {
            if (Syscall().Match(line) is not { Success: true } call)
            {
                continue;
            }

            var thread = call.Groups["tid"].Value;
            if (call.Groups["name"].Value is "fsync" or "fdatasync")
            {
                flushed[thread] = flushed.GetValueOrDefault(thread) || call.Groups["file"].Value == path + "-wal";
            }
            else if (call.Groups["file"].Value.StartsWith("pipe:", StringComparison.Ordinal) && line.Contains("\"ack ", StringComparison.Ordinal))
            {
                Assert.True(flushed.GetValueOrDefault(thread), $"acknowledgement {acknowledged} was written before the WAL was flushed: {line}");
                acknowledged++;
                flushed[thread] = false;
            }
            else if (call.Groups["file"].Value.StartsWith("pipe:", StringComparison.Ordinal))
            {
                flushed[thread] = false;
            }
        }

        Assert.True(acknowledged >= Acknowledgements, $"only {acknowledged} acknowledgements were traced");
    }

    /// <summary>Runs the crash child under strace until it acknowledged enough batches, then kills both.</summary>
    private static void RunTracedChild(string path, string trace)
    {
        var start = new ProcessStartInfo("strace")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-f", "-qq", "-y", "-e", "trace=fsync,fdatasync,write", "-o", trace,
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet",
            Path.Combine(AppContext.BaseDirectory, "LogService.Storage.CrashChild.dll"), path])
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
    // a call another thread interrupted is split into "... <unfinished ...>" and "<... write resumed>", the first
    // part of which carries the name and file.
    [GeneratedRegex(@"^(?<tid>\d+) +(?<name>fsync|fdatasync|write)\(\d+<(?<file>[^>]*)>")]
    private static partial Regex Syscall();
}
