namespace LogService.Client.Auth;

/// <summary>OAuth 2.0 client credentials against an OIDC issuer.</summary>
public sealed class ClientCredentialsOptions
{
    /// <summary>The issuer; its discovery document (<c>/.well-known/openid-configuration</c>) names the token endpoint. Required.</summary>
    public Uri? Authority { get; set; }

    /// <summary>The client id. Required.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>The client secret, sent with HTTP Basic authentication (client_secret_basic). Required.</summary>
    public string ClientSecret { get; set; } = "";

    /// <summary>Space-separated scopes to ask for; none by default.</summary>
    public string? Scope { get; set; }

    /// <summary>The resource (RFC 8707) the token is for, usually the service's audience; none by default.</summary>
    public string? Resource { get; set; }

    /// <summary>How long before the token's expiry a new one is fetched. Default: 60 seconds.</summary>
    public TimeSpan RefreshBeforeExpiry { get; set; } = TimeSpan.FromSeconds(60);
}
