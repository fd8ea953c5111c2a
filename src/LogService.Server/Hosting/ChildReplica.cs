using System.Diagnostics;

namespace LogService.Server.Hosting;

/// <summary>
/// A replica process started by the launcher: the same server executable with <c>replica --watch-parent</c>, its
/// output forwarded line by line with a <c>[replica i]</c> prefix. It stops when asked (its standard input closes).
/// </summary>
internal sealed class ChildReplica : IAsyncDisposable
{
    private readonly Process _process;

    private ChildReplica(int id, Process process)
    {
        Id = id;
        _process = process;
    }

    public int Id { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public Task Exited => _process.WaitForExitAsync();

    public static ChildReplica Start(int id, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // Under `dotnet LogService.Server.dll` the process path is the dotnet host: name the assembly too.
        if (Path.GetFileNameWithoutExtension(start.FileName).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(ChildReplica).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Replicas started side by side share the machine's cores, and a thread pool spinning for work about to
        // arrive takes those cycles from its siblings (about 4% of the CPU per entry in alternated ingest runs).
        // A setting of the caller's own wins.
        start.Environment.TryAdd("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit", "0");
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start replica {id}");
        void Forward(string? line, TextWriter to)
        {
            if (line is not null)
            {
                to.WriteLine($"[replica {id}] {line}");
            }
        }

        process.OutputDataReceived += (_, e) => Forward(e.Data, Console.Out);
        process.ErrorDataReceived += (_, e) => Forward(e.Data, Console.Error);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildReplica(id, process);
    }

    /// <summary>Asks the replica to stop and waits; kills it after <paramref name="patience"/>.</summary>
    public async Task StopAsync(TimeSpan patience)
    {
        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(patience);
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
        _process.Dispose();
    }
}
