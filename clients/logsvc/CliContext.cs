using System.CommandLine;
using LogService.Cli.Config;
using LogService.Cli.Output;
using LogService.Client;
using LogService.Client.Trust;

namespace LogService.Cli;

/// <summary>The options every command takes.</summary>
internal sealed class GlobalOptions
{
    public Option<string[]> Servers { get; } = new("--server")
    {
        Description = "A replica's API URL (repeatable; tried in order). Default: the servers given at login.",
        Recursive = true,
        HelpName = "url",
    };

    public Option<string?> Output { get; } = new Option<string?>("--output")
    {
        Description = "table (default on a terminal), plain (default otherwise) or json.",
        Recursive = true,
    }.AcceptOnlyFromAmong("table", "plain", "json");

    public Option<bool> Json { get; } = new("--json") { Description = "Same as --output json.", Recursive = true };
}

/// <summary>What a command needs besides its own arguments: the console, the global options and the saved login.</summary>
internal sealed class CliContext(CliConsole console, GlobalOptions globals)
{
    /// <summary>The environment variable holding the client secret, so expired logins renew without a prompt.</summary>
    public const string SecretVariable = "LOGSVC_CLIENT_SECRET";

    public CliConsole Console { get; } = console;

    public GlobalOptions Globals { get; } = globals;

    public CliPaths Paths => CliPaths.Resolve(Console.Environment);

    public OutputMode Mode(ParseResult parse) =>
        parse.GetValue(Globals.Json) ? OutputMode.Json : parse.GetValue(Globals.Output) switch
        {
            "json" => OutputMode.Json,
            "plain" => OutputMode.Plain,
            "table" => OutputMode.Table,
            _ => Console.OutIsTerminal ? OutputMode.Table : OutputMode.Plain,
        };

    /// <summary>A client for the saved login (or the <c>--server</c> URLs), checking everything against the pinned key set.</summary>
    public Session Connect(ParseResult parse)
    {
        var paths = Paths;
        var profile = Profile.Load(paths) ?? throw new CliException(ExitCodes.Authentication, "not logged in; run 'logsvc login'");
        var keys = PinnedKeys(null);
        var servers = Urls(parse.GetValue(Globals.Servers) is { Length: > 0 } given ? given : profile.Servers);
        var client = new LogServiceClient(new LogServiceClientOptions
        {
            ReplicaUrls = servers,
            KeySet = keys,
            Tokens = new SavedLoginTokenSource(paths, profile, Console.Environment(SecretVariable), Console.Time),
        });
        return new Session(client, keys, paths);
    }

    /// <summary>The key set in <paramref name="file"/>, or the one pinned at login.</summary>
    public ReplicaKeySet PinnedKeys(string? file)
    {
        var path = file ?? Paths.Replicas;
        if (file is null && !File.Exists(path))
        {
            throw new CliException(ExitCodes.Authentication, "no pinned replica key set; run 'logsvc login' (or give --keys)");
        }

        try
        {
            return ReplicaKeySet.Load(path);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            throw new CliException(ExitCodes.LocalFile, $"{path} is not a replica key set: {e.Message}");
        }
    }

    /// <summary>Parses server URLs, refusing anything but absolute http(s) URLs.</summary>
    public static IReadOnlyList<Uri> Urls(IEnumerable<string> texts)
    {
        var urls = new List<Uri>();
        foreach (var text in texts)
        {
            urls.Add(Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
                ? url
                : throw CliException.Usage($"'{text}' is not an http(s) URL"));
        }

        return urls.Count > 0 ? urls : throw CliException.Usage("no server given; use --server URL");
    }
}

/// <summary>A connected client and the key set it pins; disposing closes both.</summary>
internal sealed class Session(LogServiceClient client, ReplicaKeySet keys, CliPaths paths) : IDisposable
{
    public LogServiceClient Client { get; } = client;

    public ReplicaKeySet Keys { get; } = keys;

    public CliPaths Paths { get; } = paths;

    public void Dispose()
    {
        Client.Dispose();
        Keys.Dispose();
    }
}
