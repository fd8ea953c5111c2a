using System.Text.Json.Serialization;

namespace LogService.Server.Identity;

/// <summary>A successful token response (RFC 6749 §5.1).</summary>
/// <param name="AccessToken">The signed at+jwt access token.</param>
/// <param name="TokenType">Always <c>Bearer</c>.</param>
/// <param name="ExpiresIn">Seconds until the token expires.</param>
/// <param name="Scope">The granted scopes, space-separated.</param>
/// <param name="IdToken">The OpenID Connect ID token, only for the authorization-code grant.</param>
internal sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("id_token"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? IdToken = null);

/// <summary>A token endpoint error (RFC 6749 §5.2).</summary>
/// <param name="Error">The error code, e.g. <c>invalid_client</c>.</param>
/// <param name="Description">A short human-readable reason.</param>
internal sealed record OAuthError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description")] string Description);

/// <summary>The local issuer's metadata (RFC 8414; also served as OpenID discovery).</summary>
/// <param name="Issuer">The issuer URL.</param>
/// <param name="AuthorizationEndpoint">Where people sign in (authorization-code flow with PKCE).</param>
/// <param name="TokenEndpoint">Where tokens are requested.</param>
/// <param name="JwksUri">Where the public signing keys are.</param>
/// <param name="GrantTypesSupported">client_credentials and authorization_code.</param>
/// <param name="TokenEndpointAuthMethodsSupported">client_secret_basic and client_secret_post.</param>
/// <param name="ScopesSupported">The scopes clients may hold.</param>
/// <param name="SigningAlgorithmsSupported">Always ES256.</param>
/// <param name="ResponseTypesSupported">Always code.</param>
/// <param name="CodeChallengeMethodsSupported">Always S256.</param>
/// <param name="SubjectTypesSupported">Always public.</param>
internal sealed record IssuerMetadata(
    [property: JsonPropertyName("issuer")] string Issuer,
    [property: JsonPropertyName("authorization_endpoint")] string AuthorizationEndpoint,
    [property: JsonPropertyName("token_endpoint")] string TokenEndpoint,
    [property: JsonPropertyName("jwks_uri")] string JwksUri,
    [property: JsonPropertyName("grant_types_supported")] IReadOnlyList<string> GrantTypesSupported,
    [property: JsonPropertyName("token_endpoint_auth_methods_supported")] IReadOnlyList<string> TokenEndpointAuthMethodsSupported,
    [property: JsonPropertyName("scopes_supported")] IReadOnlyList<string> ScopesSupported,
    [property: JsonPropertyName("id_token_signing_alg_values_supported")] IReadOnlyList<string> SigningAlgorithmsSupported,
    [property: JsonPropertyName("response_types_supported")] IReadOnlyList<string> ResponseTypesSupported,
    [property: JsonPropertyName("code_challenge_methods_supported")] IReadOnlyList<string> CodeChallengeMethodsSupported,
    [property: JsonPropertyName("subject_types_supported")] IReadOnlyList<string> SubjectTypesSupported);
