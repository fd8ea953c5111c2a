using System.Diagnostics;
using System.Reflection;

namespace LogService.Testing;

/// <summary>
/// One process of the built server (<c>dotnet LogService.Server.dll …</c>). Its standard input stays open while this
/// object lives; the server is started with <c>--watch-parent</c>, so it exits when the test process does.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private const int RecentLines = 40;

    private readonly Process _process;
    private readonly Queue<string> _recent = new();

    private ServerProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public int ProcessId => _process.Id;

    /// <summary>CPU time the process has used so far (user + system).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static ServerProcess Start(string name, IEnumerable<string> arguments, Action<string>? output, bool watchParent = true)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ServerAssembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (watchParent)
        {
            start.ArgumentList.Add("--watch-parent");
        }

        start.Environment["DOTNET_gcServer"] = "0";

        // As the launcher does for its replicas: processes of one cluster share the cores, so none spins for work.
        start.Environment.TryAdd("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit", "0");
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}");
        var server = new ServerProcess(name, process);
        process.OutputDataReceived += (_, e) => server.Forward(e.Data, output);
        process.ErrorDataReceived += (_, e) => server.Forward(e.Data, output);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>
    /// The process's last lines of output and, once it has exited, its exit code: what a test failure quotes when a
    /// process is gone, since the output is otherwise dropped.
    /// </summary>
    public string Describe()
    {
        string[] lines;
        lock (_recent)
        {
            lines = [.. _recent];
        }

        var state = _process.HasExited ? $"exited with code {_process.ExitCode}" : "running";
        return lines.Length == 0
            ? $"{Name} {state}; it printed nothing"
            : $"{Name} {state}; its last {lines.Length} lines:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
    }

    private void Forward(string? line, Action<string>? output)
    {
        if (line is null)
        {
            return;
        }

        lock (_recent)
        {
            if (_recent.Count == RecentLines)
            {
                _recent.Dequeue();
            }

            _recent.Enqueue(line);
        }

        output?.Invoke($"[{Name}] {line}");
    }

    /// <summary>Waits until the process exits and fails if it did not exit cleanly.</summary>
    public async Task WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (_process.ExitCode != 0)
        {
            throw new InvalidOperationException(Describe());
        }
    }

    /// <summary>kill -9: no shutdown code runs in the server.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>Asks the server to stop (closes its standard input) and waits; kills it after <paramref name="patience"/>.</summary>
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
            await KillAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
        _process.Dispose();
    }

    /// <summary>
    /// The server assembly: <c>LOGSERVICE_SERVER_DLL</c> when set, else the build output of src/LogService.Server in
    /// this assembly's configuration (the project reference makes sure it is built).
    /// </summary>
    public static string ServerAssembly
    {
        get
        {
            if (Environment.GetEnvironmentVariable("LOGSERVICE_SERVER_DLL") is { Length: > 0 } configured)
            {
                return configured;
            }

            var configuration = typeof(ServerProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
            var path = Path.Combine(RepositoryRoot, "src", "LogService.Server", "bin", configuration, "net10.0", "LogService.Server.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"the server is not built: {path} is missing (dotnet build src/LogService.Server -c {configuration})");
        }
    }

    private static string RepositoryRoot
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "LogService.sln")))
                {
                    return directory.FullName;
                }
            }

            throw new DirectoryNotFoundException($"no LogService.sln above {AppContext.BaseDirectory}; set LOGSERVICE_SERVER_DLL");
        }
    }
}
