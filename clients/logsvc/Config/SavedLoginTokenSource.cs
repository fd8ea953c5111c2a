using LogService.Client.Auth;

namespace LogService.Cli.Config;

/// <summary>
/// Tokens for commands after <c>logsvc login</c>: the cached token while it is valid; after that a new one from the
/// issuer when the secret is in <c>LOGSVC_CLIENT_SECRET</c> (the secret is never written to disk), else a request
/// to log in again.
/// </summary>
internal sealed class SavedLoginTokenSource(CliPaths paths, Profile profile, string? clientSecret, TimeProvider time) : ITokenSource
{
    /// <summary>A token this close to expiry is not sent: it could expire in flight.</summary>
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(30);

    private CachedToken? _token = CachedToken.Load(paths);

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken = default)
    {
        if (_token is { } token && token.IsUsable(time.GetUtcNow(), ExpiryMargin))
        {
            return token.AccessToken;
        }

        if (profile.Issuer is null || profile.ClientId is null || string.IsNullOrEmpty(clientSecret))
        {
            throw new CliException(ExitCodes.Authentication, _token is null
                ? "not logged in (or the service refused the saved token); run 'logsvc login'"
                : $"the saved login expired{(_token.ExpiresAt is { } at ? " at " + at.ToString("u", System.Globalization.CultureInfo.InvariantCulture) : "")}; run 'logsvc login' again or set LOGSVC_CLIENT_SECRET to renew it");
        }

        using var source = new ClientCredentialsTokenSource(new ClientCredentialsOptions
        {
            Authority = new Uri(profile.Issuer), ClientId = profile.ClientId, ClientSecret = clientSecret, Scope = profile.Scope, Resource = profile.Resource,
        });
        _token = CachedToken.From(await source.GetTokenAsync(cancellationToken).ConfigureAwait(false));
        _token.Save(paths);
        return _token.AccessToken;
    }

    public void Invalidate(string rejectedToken)
    {
        if (_token?.AccessToken == rejectedToken)
        {
            _token = null;
        }
    }
}
