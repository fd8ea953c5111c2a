namespace LogService.Client.Auth;

/// <summary>Where a client's bearer access tokens come from. Implementations are thread-safe.</summary>
public interface ITokenSource
{
    /// <summary>A token that is valid now (fetched or refreshed when needed).</summary>
    ValueTask<string> GetTokenAsync(CancellationToken cancellationToken = default);

    /// <summary>Forgets <paramref name="rejectedToken"/> after the service refused it (401), so the next call fetches a new one.</summary>
    void Invalidate(string rejectedToken);
}

/// <summary>A token given once, as it is (for example from <c>logsvc login --token</c>).</summary>
/// <param name="token">The bearer access token.</param>
public sealed class StaticTokenSource(string token) : ITokenSource
{
    private readonly string _token = string.IsNullOrWhiteSpace(token) ? throw new ArgumentException("the token is empty", nameof(token)) : token;

    /// <inheritdoc />
    public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(_token);

    /// <inheritdoc />
    public void Invalidate(string rejectedToken)
    {
        // A static token cannot be replaced; the caller sees the 401.
    }
}
