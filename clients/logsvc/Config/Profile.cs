using System.Text.Json;
using LogService.Client;

namespace LogService.Cli.Config;

/// <summary>What <c>logsvc login</c> remembers: where the service and the issuer are and who the user is; never a secret.</summary>
internal sealed record Profile
{
    /// <summary>The replicas' API base URLs, tried in order.</summary>
    public required IReadOnlyList<string> Servers { get; init; }

    /// <summary>The tenant's issuer (null after a login with a bare token).</summary>
    public string? Issuer { get; init; }

    /// <summary>The client id (null after a login with a bare token).</summary>
    public string? ClientId { get; init; }

    /// <summary>The scopes asked for.</summary>
    public string? Scope { get; init; }

    /// <summary>The resource (audience) asked for.</summary>
    public string? Resource { get; init; }

    public static Profile? Load(CliPaths paths) => ReadJson<Profile>(paths.Profile);

    public void Save(CliPaths paths) => PrivateFile.WriteText(paths.Profile, JsonSerializer.Serialize(this, LogServiceClient.Json));

    /// <summary>Reads a JSON file logsvc wrote; null when it does not exist, a <see cref="CliException"/> when it is damaged.</summary>
    internal static T? ReadJson<T>(string path)
        where T : class
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), LogServiceClient.Json);
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.LocalFile, $"{path} is damaged ({e.Message}); run 'logsvc login' again");
        }
    }
}

/// <summary>The cached access token.</summary>
/// <param name="AccessToken">The bearer token.</param>
/// <param name="ExpiresAt">When it expires (from the token's <c>exp</c>); null when unknown.</param>
internal sealed record CachedToken(string AccessToken, DateTimeOffset? ExpiresAt)
{
    public static CachedToken? Load(CliPaths paths) => Profile.ReadJson<CachedToken>(paths.Token);

    /// <summary>The token with its expiry read from the JWT's <c>exp</c> claim, when it is a JWT.</summary>
    public static CachedToken From(string accessToken) => new(accessToken, JwtExpiry(accessToken));

    public void Save(CliPaths paths) => PrivateFile.WriteText(paths.Token, JsonSerializer.Serialize(this, LogServiceClient.Json));

    /// <summary>True while the token has more than <paramref name="margin"/> left (or its expiry is unknown).</summary>
    public bool IsUsable(DateTimeOffset now, TimeSpan margin) => ExpiresAt is not { } expiry || now + margin < expiry;

    private static DateTimeOffset? JwtExpiry(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
            using var document = JsonDocument.Parse(Convert.FromBase64String(payload));
            return document.RootElement.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : null;
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
