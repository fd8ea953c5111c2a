namespace LogService.Cli.Config;

/// <summary>Where logsvc keeps its login, token and pinned keys.</summary>
/// <param name="Directory">The configuration folder.</param>
internal sealed record CliPaths(string Directory)
{
    /// <summary>The environment variable that moves the folder.</summary>
    public const string DirectoryVariable = "LOGSVC_CONFIG_DIR";

    /// <summary>The login: servers, issuer, client id (never the secret).</summary>
    public string Profile => Path.Combine(Directory, "profile.json");

    /// <summary>The cached access token (0600).</summary>
    public string Token => Path.Combine(Directory, "token.json");

    /// <summary>The pinned replica key set (0600, so nobody else can swap it).</summary>
    public string Replicas => Path.Combine(Directory, "replicas.json");

    /// <summary>The last certified head verified per stream, for consistency checks across runs.</summary>
    public string HeadOf(string streamId) => Path.Combine(Directory, "heads", streamId.Replace('/', '~') + ".json");

    /// <summary><c>$LOGSVC_CONFIG_DIR</c>, else the user's configuration folder (<c>$XDG_CONFIG_HOME</c> or <c>~/.config</c>; <c>%APPDATA%</c> on Windows) plus <c>logsvc</c>.</summary>
    public static CliPaths Resolve(Func<string, string?> environment)
    {
        var explicitDirectory = environment(DirectoryVariable);
        if (!string.IsNullOrEmpty(explicitDirectory))
        {
            return new CliPaths(Path.GetFullPath(explicitDirectory));
        }

        var xdg = environment("XDG_CONFIG_HOME");
        var root = !OperatingSystem.IsWindows() && !string.IsNullOrEmpty(xdg)
            ? xdg
            : Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        return new CliPaths(Path.Combine(root, "logsvc"));
    }
}
