using System.Diagnostics;
using System.Text;
using System.Text.Json;
using LogService.Replication.Tcp;
using LogService.Replication.Transport;

namespace LogService.Replication.Tests.MultiProcess;

/// <summary>
/// A loopback cluster of replica processes run by the test host program
/// (<c>tests/LogService.Replication.TestHost</c>, built with the solution): each replica runs the durable hash-chain
/// state machine and keeps its write-ahead log and chain file in its own directory.
/// </summary>
internal sealed class ReplicaProcesses : IAsyncDisposable
{
    private readonly string _host;
    private readonly Process?[] _processes;
    private readonly StringBuilder[] _logs;
    private readonly ClusterFile _cluster;

    private ReplicaProcesses(string host, string directory, ClusterFile cluster)
    {
        _host = host;
        Directory = directory;
        _cluster = cluster;
        _processes = new Process?[cluster.Replicas.Count];
        _logs = cluster.Replicas.Select(_ => new StringBuilder()).ToArray();
    }

    public string Directory { get; }

    /// <summary>Creates the cluster's configuration with the test host's <c>init</c> command.</summary>
    public static async Task<ReplicaProcesses> CreateAsync(int replicas, params string[] settings)
    {
        var host = LocateHost();
        var directory = System.IO.Directory.CreateTempSubdirectory("logservice-multiprocess-").FullName;
        var file = Path.Combine(directory, "cluster.json");
        var init = Process.Start(StartInfo(host, ["init", "--out", file, "--replicas", replicas.ToString(), .. settings]))!;
        await init.WaitForExitAsync();
        Assert.True(init.ExitCode == 0, await init.StandardError.ReadToEndAsync());
        var cluster = JsonSerializer.Deserialize<ClusterFile>(await File.ReadAllTextAsync(file), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        return new ReplicaProcesses(host, directory, cluster);
    }

    /// <summary>Starts replica <paramref name="id"/> (again, after a kill, on the same data) and waits until it listens.</summary>
    public async Task StartAsync(int id)
    {
        var process = Process.Start(StartInfo(_host,
            ["replica", "--cluster", Path.Combine(Directory, "cluster.json"), "--id", id.ToString(), "--state", "chain", "--data", DataOf(id), "--events"]))!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == "ready")
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_logs[id])
            {
                _logs[id].AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[id] = process;
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Kills replica <paramref name="id"/> with SIGKILL: no shutdown code runs.</summary>
    public async Task KillAsync(int id)
    {
        var process = _processes[id]!;
        process.Kill();
        await process.WaitForExitAsync();
        process.Dispose();
        _processes[id] = null;
    }

    /// <summary>Replica <paramref name="id"/>'s executed-command file (see the test host's ChainStateMachine).</summary>
    public string ChainOf(int id)
    {
        var path = Path.Combine(DataOf(id), "chain.txt");
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(file, Encoding.ASCII);
        return reader.ReadToEnd();
    }

    /// <summary>The tail of each replica's event log, for failure messages.</summary>
    public string Diagnostics() => string.Join("\n", _logs.Select((log, id) =>
    {
        lock (log)
        {
            var text = log.ToString();
            return $"--- replica {id} events (tail) ---\n{text[Math.Max(0, text.Length - 3000)..]}";
        }
    }));

    /// <summary>Client transports and options for the ids <paramref name="firstId"/>.. of the cluster's client key.</summary>
    public (IReadOnlyList<ITcpTransport> Transports, ReplicationOptions Options) Clients(int firstId, int count)
    {
        var peers = _cluster.Replicas.Select(r => new TcpPeer(r.Id, System.Net.IPEndPoint.Parse(r.EndPoint!), Convert.FromBase64String(r.PublicKey))).ToList();
        var transports = TcpTransport.CreateClients(new TcpTransportOptions
        {
            Self = firstId,
            SelfIdCount = count,
            PrivateKey = Convert.FromBase64String(_cluster.Clients.PrivateKey),
            Peers = peers,
        });
        var options = new ReplicationOptions
        {
            ReplicaCount = _cluster.Replicas.Count,
            ReplicaPublicKeys = _cluster.Replicas.Select(r => Convert.FromBase64String(r.PublicKey)).ToArray(),
            RequestTimeout = TimeSpan.FromMilliseconds(_cluster.RequestTimeoutMs),
            LeaderChangeTimeout = TimeSpan.FromMilliseconds(_cluster.LeaderChangeTimeoutMs),
        };
        return (transports, options);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes.OfType<Process>())
        {
            process.Kill();
            await process.WaitForExitAsync();
            process.Dispose();
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private string DataOf(int id) => Path.Combine(Directory, $"replica-{id}");

    private static ProcessStartInfo StartInfo(string host, string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(host);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>The test host's entry assembly, built in the same configuration as this test assembly.</summary>
    private static string LocateHost()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var (framework, configuration) = (output.Name, output.Parent!.Name);
        var root = output;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "LogService.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var project = Path.Combine(root.FullName, "tests", "LogService.Replication.TestHost");
        var host = Path.Combine(project, "bin", configuration, framework, "LogService.Replication.TestHost.dll");
        if (!File.Exists(host))
        {
            var build = Process.Start(new ProcessStartInfo("dotnet", ["build", project, "-c", configuration, "--nologo", "-v", "q"]))!;
            build.WaitForExit();
        }

        Assert.True(File.Exists(host), $"the test host was not built at {host}");
        return host;
    }

    /// <summary>The parts of the test host's cluster file the test needs.</summary>
    private sealed record ClusterFile(List<NodeEntry> Replicas, NodeEntry Clients, int RequestTimeoutMs, int LeaderChangeTimeoutMs);

    private sealed record NodeEntry(int Id, string? EndPoint, string PublicKey, string PrivateKey);
}
