using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace LogService.Client.Auth;

/// <summary>
/// OAuth 2.0 client credentials (RFC 6749 §4.4) against any OIDC issuer: finds the token endpoint in the discovery
/// document, caches the token and fetches a new one <see cref="ClientCredentialsOptions.RefreshBeforeExpiry"/> before
/// it expires. Concurrent callers share one request.
/// </summary>
public sealed class ClientCredentialsTokenSource : ITokenSource, IDisposable
{
    private readonly ClientCredentialsOptions _options;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Uri? _tokenEndpoint;
    private Cached? _cached;

    /// <summary>Creates the source; <paramref name="http"/> and <paramref name="time"/> default to a private client and the system clock.</summary>
    public ClientCredentialsTokenSource(ClientCredentialsOptions options, HttpClient? http = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Authority is null || string.IsNullOrEmpty(options.ClientId) || string.IsNullOrEmpty(options.ClientSecret))
        {
            throw new ArgumentException("client credentials need an authority, a client id and a client secret", nameof(options));
        }

        _options = options;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How many tokens have been fetched from the issuer.</summary>
    public int TokensFetched { get; private set; }

    /// <inheritdoc />
    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken = default)
    {
        var cached = Volatile.Read(ref _cached);
        if (cached is not null && _time.GetUtcNow() < cached.RefreshAt)
        {
            return cached.Token;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            cached = _cached;
            if (cached is not null && _time.GetUtcNow() < cached.RefreshAt)
            {
                return cached.Token;
            }

            _tokenEndpoint ??= await DiscoverTokenEndpointAsync(cancellationToken).ConfigureAwait(false);
            cached = await RequestTokenAsync(_tokenEndpoint, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _cached, cached);
            TokensFetched++;
            return cached.Token;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Invalidate(string rejectedToken)
    {
        var cached = Volatile.Read(ref _cached);
        if (cached is not null && cached.Token == rejectedToken)
        {
            Interlocked.CompareExchange(ref _cached, null, cached);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _gate.Dispose();
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async Task<Uri> DiscoverTokenEndpointAsync(CancellationToken cancellationToken)
    {
        var authority = _options.Authority!.ToString().TrimEnd('/');
        using var document = await GetJsonAsync(new Uri(authority + "/.well-known/openid-configuration"), cancellationToken).ConfigureAwait(false);
        var root = document.RootElement;
        var issuer = root.TryGetProperty("issuer", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString()!.TrimEnd('/') : null;
        if (issuer != authority)
        {
            // OIDC Discovery §4.3: a document for another issuer must not be used.
            throw new TokenAcquisitionException($"the discovery document at {authority} names issuer '{issuer}'");
        }

        if (!root.TryGetProperty("token_endpoint", out var endpoint) || endpoint.ValueKind != JsonValueKind.String
            || !Uri.TryCreate(endpoint.GetString(), UriKind.Absolute, out var uri))
        {
            throw new TokenAcquisitionException($"the discovery document at {authority} has no token_endpoint");
        }

        return uri;
    }

    private async Task<Cached> RequestTokenAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        if (!string.IsNullOrEmpty(_options.Scope))
        {
            form["scope"] = _options.Scope;
        }

        if (!string.IsNullOrEmpty(_options.Resource))
        {
            form["resource"] = _options.Resource;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new FormUrlEncodedContent(form) };

        // RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined.
        var basic = $"{Uri.EscapeDataString(_options.ClientId)}:{Uri.EscapeDataString(_options.ClientSecret)}";
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basic)));
        var issuedAt = _time.GetUtcNow();
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        using var document = ParseJson(body, endpoint);
        var root = document.RootElement;
        if (!response.IsSuccessStatusCode)
        {
            var error = root.TryGetProperty("error", out var e) ? e.ToString() : $"HTTP {(int)response.StatusCode}";
            var description = root.TryGetProperty("error_description", out var d) ? $": {d}" : "";
            throw new TokenAcquisitionException($"the issuer refused the token request ({error}{description})");
        }

        if (!root.TryGetProperty("access_token", out var token) || token.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(token.GetString()))
        {
            throw new TokenAcquisitionException("the issuer's token response has no access_token");
        }

        // Without a stated lifetime the token is used once; refreshing early never hurts correctness.
        var lifetime = root.TryGetProperty("expires_in", out var expires) && expires.TryGetInt64(out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.Zero;
        var refreshIn = lifetime - _options.RefreshBeforeExpiry;
        return new Cached(token.GetString()!, issuedAt + (refreshIn > TimeSpan.Zero ? refreshIn : lifetime / 2));
    }

    private async Task<JsonDocument> GetJsonAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new TokenAcquisitionException($"{uri} answered HTTP {(int)response.StatusCode}");
        }

        return ParseJson(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false), uri);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new TokenAcquisitionException($"the issuer at {request.RequestUri} is unreachable: {e.Message}", e);
        }
    }

    private static JsonDocument ParseJson(string body, Uri from)
    {
        try
        {
            var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new TokenAcquisitionException($"{from} did not answer with a JSON object");
            }

            return document;
        }
        catch (JsonException e)
        {
            throw new TokenAcquisitionException($"{from} did not answer with JSON: {e.Message}", e);
        }
    }

    private sealed record Cached(string Token, DateTimeOffset RefreshAt);
}
