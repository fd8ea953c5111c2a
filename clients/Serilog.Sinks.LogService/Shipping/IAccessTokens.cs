namespace Serilog.Sinks.LogService.Shipping;

/// <summary>Where the sender gets its bearer token.</summary>
internal interface IAccessTokens
{
    /// <summary>A current access token, or null to send none. Throws <see cref="TokenUnavailableException"/> when the issuer cannot be reached.</summary>
    ValueTask<string?> GetAsync(CancellationToken cancellation);

    /// <summary>Forgets a cached token the service refused, so the next call fetches a new one.</summary>
    void Invalidate();
}

/// <summary>No token could be had now; the send is retried later.</summary>
internal sealed class TokenUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
