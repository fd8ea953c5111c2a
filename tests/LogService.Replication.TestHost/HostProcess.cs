using System.Diagnostics;

namespace LogService.Replication.TestHost;

/// <summary>A host started as a child process (<c>dotnet LogService.Replication.TestHost.dll ...</c>), for the benchmark.</summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<string> _stats = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HostProcess(Process process) => _process = process;

    /// <summary>CPU time the host has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Starts the host and waits until it prints <c>ready</c>.</summary>
    public static async Task<HostProcess> StartAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LogService.Replication.TestHost.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var host = new HostProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start the test host"));
        host._process.OutputDataReceived += (_, e) => host.OnLine(e.Data);
        host._process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"  [host] {e.Data}");
            }
        };
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        var exited = host._process.WaitForExitAsync();
        if (await Task.WhenAny(host._ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60))) != host._ready.Task)
        {
            await host.DisposeAsync();
            throw new InvalidOperationException($"test host '{string.Join(' ', arguments)}' did not become ready");
        }

        return host;
    }

    /// <summary>Asks a replica host for its statistics line (see <c>ReplicaHost</c>).</summary>
    public async Task<string> StatsAsync()
    {
        var next = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _stats, next);
        await _process.StandardInput.WriteLineAsync("stats");
        await _process.StandardInput.FlushAsync();
        return await next.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Asks the host to stop (closes its standard input) and waits for it; kills it if it does not stop.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(patience.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line == "ready")
        {
            _ready.TrySetResult();
        }
        else if (line.StartsWith("stats ", StringComparison.Ordinal))
        {
            Volatile.Read(ref _stats).TrySetResult(line);
        }
    }
}
