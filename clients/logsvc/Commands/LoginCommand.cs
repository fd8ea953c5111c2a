using System.CommandLine;
using System.Globalization;
using LogService.Cli.Config;
using LogService.Cli.Output;
using LogService.Client;
using LogService.Client.Auth;
using LogService.Client.Trust;

namespace LogService.Cli.Commands;

/// <summary>
/// <c>logsvc login</c>: gets a token with client credentials from the tenant's issuer (or takes one as it is), pins
/// the replicas' key set, checks the token against the service, and saves all three in the configuration folder (0600).
/// </summary>
internal static class LoginCommand
{
    public static Command Create(CliContext context)
    {
        var issuer = new Option<string?>("--issuer") { Description = "The tenant's OIDC issuer URL.", HelpName = "url" };
        var clientId = new Option<string?>("--client-id") { Description = "The client id." };
        var secret = new Option<string?>("--client-secret") { Description = $"The client secret (visible to other local users in the process list: prefer --client-secret-stdin or ${CliContext.SecretVariable})." };
        var secretStdin = new Option<bool>("--client-secret-stdin") { Description = "Read the client secret from the first line of standard input." };
        var scope = new Option<string?>("--scope") { Description = "Space-separated scopes to ask for (default: all the client may have)." };
        var resource = new Option<string?>("--resource") { Description = "The resource (audience) the token is for." };
        var token = new Option<string?>("--token") { Description = "Use this access token as it is instead of asking an issuer." };
        var keys = new Option<string?>("--keys") { Description = "Pin the replica key set in this file instead of fetching it from the first server.", HelpName = "file" };
        var repin = new Option<bool>("--repin") { Description = "Accept a fetched key set that differs from the one pinned before." };
        var command = new Command("login", "Log in with client credentials (or a token) and pin the replicas' key set.")
        {
            issuer, clientId, secret, secretStdin, scope, resource, token, keys, repin,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var servers = CliContext.Urls(parse.GetValue(context.Globals.Servers) ?? []);
            var paths = context.Paths;
            var profile = new Profile
            {
                Servers = [.. servers.Select(s => s.AbsoluteUri)],
                Issuer = parse.GetValue(issuer),
                ClientId = parse.GetValue(clientId),
                Scope = parse.GetValue(scope),
                Resource = parse.GetValue(resource),
            };
            var accessToken = parse.GetValue(token) is { } given
                ? CachedToken.From(given)
                : await FetchTokenAsync(context, profile, parse.GetValue(secretStdin) ? context.Console.In.ReadLine() : parse.GetValue(secret), cancellationToken).ConfigureAwait(false);
            using var pinned = await PinAsync(context, servers, parse.GetValue(keys), parse.GetValue(repin), cancellationToken).ConfigureAwait(false);

            // Check the token against the service before saving anything: a wrong audience or scope shows now, not later.
            using var client = new LogServiceClient(new LogServiceClientOptions { ReplicaUrls = servers, KeySet = pinned, Tokens = new StaticTokenSource(accessToken.AccessToken) });
            var streams = await client.ListStreamsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

            PrivateFile.WriteText(paths.Replicas, pinned.ToJson());
            accessToken.Save(paths);
            profile.Save(paths);
            var who = profile.ClientId ?? "the given token";
            var until = accessToken.ExpiresAt?.ToString("u", CultureInfo.InvariantCulture) ?? "unknown";
            var fingerprint = KeySets.Fingerprint(pinned);
            ResultView.Print(context.Console, context.Mode(parse),
                new { servers = profile.Servers, issuer = profile.Issuer, clientId = profile.ClientId, tokenExpiresAt = accessToken.ExpiresAt, n = pinned.N, f = pinned.F, keySetFingerprint = fingerprint, streams = streams.Count, configDirectory = paths.Directory },
                $"Logged in to {servers.Count} server(s) as {who}; {streams.Count} stream(s) visible; token valid until {until}.",
                $"Pinned key set: n={pinned.N} f={pinned.F}, fingerprint {fingerprint} (compare it with your operator's).",
                $"Saved in {paths.Directory}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<CachedToken> FetchTokenAsync(CliContext context, Profile profile, string? secret, CancellationToken cancellationToken)
    {
        secret = string.IsNullOrEmpty(secret) ? context.Console.Environment(CliContext.SecretVariable) : secret;
        if (profile.Issuer is null || profile.ClientId is null)
        {
            throw CliException.Usage("give --issuer and --client-id (or --token)");
        }

        if (string.IsNullOrEmpty(secret))
        {
            throw CliException.Usage($"no client secret: use --client-secret-stdin, --client-secret or ${CliContext.SecretVariable}");
        }

        if (!Uri.TryCreate(profile.Issuer, UriKind.Absolute, out var authority))
        {
            throw CliException.Usage($"--issuer '{profile.Issuer}' is not a URL");
        }

        using var source = new ClientCredentialsTokenSource(new ClientCredentialsOptions
        {
            Authority = authority, ClientId = profile.ClientId, ClientSecret = secret.Trim(), Scope = profile.Scope, Resource = profile.Resource,
        });
        return CachedToken.From(await source.GetTokenAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// The key set to pin: the given file, or the first server's answer. A fetched set that differs from the one pinned
    /// before is refused without <c>--repin</c>: a changed key set is what a swapped or impersonated replica looks like.
    /// </summary>
    private static async Task<ReplicaKeySet> PinAsync(CliContext context, IReadOnlyList<Uri> servers, string? file, bool repin, CancellationToken cancellationToken)
    {
        if (file is not null)
        {
            return context.PinnedKeys(file);
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var fetched = await ReplicaKeySet.FetchAsync(http, servers[0], cancellationToken).ConfigureAwait(false);
        if (!repin && File.Exists(context.Paths.Replicas))
        {
            using var before = context.PinnedKeys(null);
            var differences = KeySets.Differences(before, fetched);
            if (differences.Count > 0)
            {
                fetched.Dispose();
                throw new CliException(ExitCodes.IntegrityFailure,
                    $"{servers[0]} publishes a key set other than the pinned one ({string.Join("; ", differences)}); if your operator changed it, log in with --keys FILE or --repin");
            }
        }

        return fetched;
    }
}
