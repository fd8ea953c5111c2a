namespace Serilog.Sinks.LogService.Shipping;

/// <summary>
/// Exponential backoff with full jitter: the wait before retry <c>n</c> is uniform in
/// [0, min(maximum, minimum · 2ⁿ)], and never shorter than the server's <c>Retry-After</c>, so many writers
/// that failed together do not retry together.
/// </summary>
internal static class Backoff
{
    /// <summary>The wait before the retry after <paramref name="failures"/> consecutive failures.</summary>
    public static TimeSpan Delay(int failures, TimeSpan minimum, TimeSpan maximum, TimeSpan? retryAfter, Random random)
    {
        var ceiling = minimum.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 30));
        var jittered = TimeSpan.FromMilliseconds(random.NextDouble() * Math.Min(maximum.TotalMilliseconds, ceiling));
        return retryAfter is { } after && after > jittered ? after : jittered;
    }
}
