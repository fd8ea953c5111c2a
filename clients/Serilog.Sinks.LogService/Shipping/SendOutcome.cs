namespace Serilog.Sinks.LogService.Shipping;

/// <summary>What became of one attempt to send a batch to one replica.</summary>
internal enum SendResult
{
    /// <summary>Stored, with a valid receipt.</summary>
    Delivered,

    /// <summary>Worth trying again (network error, 401, 408, 429, 5xx, an invalid receipt).</summary>
    Retry,

    /// <summary>Refused for good (any other 4xx): the batch goes to the dead-letter file.</summary>
    Rejected,
}

/// <summary>The result of one attempt, with what the server said.</summary>
/// <param name="Result">Delivered, retry or rejected.</param>
/// <param name="Status">The HTTP status, or 0 when no response came.</param>
/// <param name="Reason">A short description for the self log.</param>
/// <param name="RetryAfter">The server's <c>Retry-After</c>, if any.</param>
/// <param name="Problem">The response body (a problem detail) of a rejection.</param>
/// <param name="TryAnotherReplica">True when another replica may do better (not for a rate limit).</param>
internal sealed record SendOutcome(SendResult Result, int Status, string Reason, TimeSpan? RetryAfter = null, byte[]? Problem = null, bool TryAnotherReplica = true);
