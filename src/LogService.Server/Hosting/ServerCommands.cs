using System.Globalization;
using LogService.Server.Identity;

namespace LogService.Server.Hosting;

/// <summary>
/// The server's commands besides running a replica:
/// <list type="bullet">
/// <item><c>init --data DIR [--replicas 4] [--host 127.0.0.1] [--api-port P] [--replication-port Q] [--key-service 0]</c>: create a deployment's files (ports 0: free ports).</item>
/// <item><c>issuer --urls URL [--LogService:Policies:Directory DIR] [--LogService:LocalIssuer:DataDirectory DIR]</c>: run the local issuer alone.</item>
/// <item><c>local [--data .data] [--policies policies] [--issuer-port 5080] [--api-port 5081] [--replication-port 7081]</c>: the embedded default, see <see cref="LocalDeployment"/>.</item>
/// <item><c>replica --cluster FILE --id I [--data DIR] [--watch-parent]</c> (or no command): run one replica.</item>
/// </list>
/// </summary>
public static class ServerCommands
{
    private static readonly Dictionary<string, string> ReplicaSwitches = new(StringComparer.Ordinal)
    {
        ["--cluster"] = ReplicaOptions.Section + ":ClusterFile",
        ["--id"] = ReplicaOptions.Section + ":Id",
        ["--data"] = ReplicaOptions.Section + ":DataDirectory",
        ["--policies"] = "LogService:Policies:Directory",
    };

    /// <summary>Runs a command other than <c>replica</c>; null when <paramref name="args"/> asks for a replica.</summary>
    /// <param name="args">The process arguments.</param>
    /// <returns>The exit code, or null.</returns>
    public static async Task<int?> TryRunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        try
        {
            switch (args.FirstOrDefault())
            {
                case "init":
                    var options = Options(args);
                    var path = ClusterProvisioning.CreateIfMissing(
                        options.GetValueOrDefault("data") ?? throw new ArgumentException("--data is required"),
                        Int(options, "replicas", 4),
                        options.GetValueOrDefault("host") ?? "127.0.0.1",
                        Int(options, "api-port", 0),
                        Int(options, "replication-port", 0),
                        Int(options, "key-service", 0));
                    Console.Out.WriteLine(path);
                    return 0;
                case "issuer":
                    await RunIssuerAsync(args[1..]).ConfigureAwait(false);
                    return 0;
                case "local":
                    var local = Options(args);
                    var defaults = new LocalPorts();
                    var ports = new LocalPorts(
                        Int(local, "issuer-port", defaults.IssuerPort), Int(local, "api-port", defaults.ApiPortBase), Int(local, "replication-port", defaults.ReplicationPortBase));
                    return await LocalDeployment.RunAsync(
                        local.GetValueOrDefault("data") ?? ".data", local.GetValueOrDefault("policies") ?? "policies", ports).ConfigureAwait(false);
                default:
                    return null;
            }
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException or IOException or FormatException)
        {
            await Console.Error.WriteLineAsync($"LogService.Server: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
    }

    /// <summary>Builds a replica's web application from its arguments (<c>replica</c> and the short switches are understood).</summary>
    /// <param name="args">The process arguments.</param>
    /// <returns>The builder, configured from the arguments.</returns>
    public static WebApplicationBuilder CreateReplicaBuilder(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var rest = args.FirstOrDefault() == "replica" ? args[1..] : args;
        var watchParent = rest.Contains("--watch-parent");
        rest = [.. rest.Where(a => a != "--watch-parent")];
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = rest });
        builder.Configuration.AddCommandLine(rest, ReplicaSwitches);
        if (watchParent)
        {
            builder.Services.AddHostedService<ParentWatch>();
        }

        return builder;
    }

    /// <summary>Runs the local client-credentials issuer until the process is stopped.</summary>
    internal static async Task RunIssuerAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var watchParent = args.Contains("--watch-parent");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [.. args.Where(a => a != "--watch-parent")] });
        builder.Services.AddLocalIssuer(builder.Configuration);
        if (watchParent)
        {
            builder.Services.AddHostedService<ParentWatch>();
        }

        await using var app = builder.Build();
        app.MapLocalIssuer();
        await app.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Dictionary<string, string> Options(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected --name value, got '{args[i]}'");
            }

            options[args[i][2..]] = args[++i];
        }

        return options;
    }

    private static int Int(Dictionary<string, string> options, string name, int fallback) =>
        options.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
}
