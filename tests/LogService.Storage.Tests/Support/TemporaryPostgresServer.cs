using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace LogService.Storage.Tests.Support;

/// <summary>
/// A throw-away PostgreSQL server: initdb in a temporary directory, started on a free loopback port with its
/// unix socket in that directory, stopped and deleted on dispose. Run as root, the server runs as the
/// <c>postgres</c> user (PostgreSQL refuses to run as root). Needs the Debian <c>postgresql</c> package.
/// </summary>
internal sealed class TemporaryPostgresServer : IDisposable
{
    private const string ServiceUser = "postgres";
    private readonly string _binaries;
    private readonly string _directory;
    private readonly string _dataDirectory;
    private bool _stopped;

    private TemporaryPostgresServer(string binaries, string directory, int port)
    {
        _binaries = binaries;
        _directory = directory;
        _dataDirectory = Path.Combine(directory, "data");
        Port = port;
    }

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; }

    /// <summary>Initialises and starts a server; throws with the server's own output when that fails.</summary>
    public static TemporaryPostgresServer Start()
    {
        var binaries = FindBinaries();
        var directory = Directory.CreateTempSubdirectory("logservice-pg-").FullName;
        var server = new TemporaryPostgresServer(binaries, directory, FreeLoopbackPort());
        try
        {
            if (IsRoot)
            {
                Run("chown", [$"{ServiceUser}:", directory]);
            }

            server.RunTool("initdb", ["-D", server._dataDirectory, "-U", ServiceUser, "-A", "trust", "-E", "UTF8", "--no-sync"]);
            server.RunTool("pg_ctl", [
                "-D", server._dataDirectory, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60",
                "-o", $"-p {server.Port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections=200",
                "start",
            ]);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>A connection string for <paramref name="database"/> on this server.</summary>
    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = IPAddress.Loopback.ToString(),
        Port = Port,
        Username = ServiceUser,
        Database = database,
        Pooling = true,
        Timeout = 30,
    }.ToString();

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public string CreateDatabase(string name)
    {
        using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        connection.Open();
        using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        command.ExecuteNonQuery();
        return ConnectionString(name);
    }

    /// <summary>
    /// The CPU time the server's processes (the postmaster and its children) have used so far; children that already
    /// exited are not counted. Linux only.
    /// </summary>
    public TimeSpan CpuTime()
    {
        var postmaster = File.ReadLines(Path.Combine(_dataDirectory, "postmaster.pid")).First().Trim();
        long ticks = 0;
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(process, "stat"));
            }
            catch (IOException)
            {
                continue; // exited meanwhile
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            // After the parenthesised command name: state, ppid, … utime and stime are fields 12 and 13 from there.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (Path.GetFileName(process) == postmaster || fields[1] == postmaster)
            {
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
        }

        // Linux reports these in clock ticks of 1/100 s (USER_HZ) on every common configuration.
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    public void Dispose()
    {
        if (!_stopped && File.Exists(Path.Combine(_dataDirectory, "postmaster.pid")))
        {
            _stopped = true;
            NpgsqlConnection.ClearAllPools();
            RunTool("pg_ctl", ["-D", _dataDirectory, "-m", "immediate", "-w", "stop"]);
        }

        Directory.Delete(_directory, recursive: true);
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static string FindBinaries()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(version => Path.Combine(version, "bin"))
                .Where(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")))
                .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var major) ? major : 0)
                .ToList()
            : [];
        return candidates.FirstOrDefault() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql/<version>/bin. " +
            "Install the Debian 'postgresql' package (./build.sh test installs it) and run again.");
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void RunTool(string tool, IReadOnlyList<string> arguments)
    {
        var path = Path.Combine(_binaries, tool);
        if (IsRoot)
        {
            Run("runuser", ["-u", ServiceUser, "--", path, .. arguments]);
        }
        else
        {
            Run(path, arguments);
        }
    }

    private static void Run(string program, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{output}\n{error.Result}");
        }
    }
}
