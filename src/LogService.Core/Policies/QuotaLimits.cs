namespace LogService.Core.Policies;

/// <summary>A tenant's ingestion limits. A <see langword="null"/> limit is not enforced.</summary>
/// <param name="EntriesPerSecond">Sustained entries per second (token-bucket refill rate).</param>
/// <param name="Burst">Entries that may arrive at once (token-bucket capacity); defaults to one second's worth.</param>
/// <param name="BytesPerDay">Entry bytes per UTC day.</param>
/// <param name="Source">The quota rule these limits come from.</param>
public sealed record QuotaLimits(long? EntriesPerSecond, long? Burst, long? BytesPerDay, PolicyRuleSource Source)
{
    /// <summary>No limits: used for tenants no quota rule matches.</summary>
    public static QuotaLimits Unlimited { get; } = new(null, null, null, PolicyRuleSource.Engine("no-quota"));

    internal long BucketCapacity => Burst ?? EntriesPerSecond ?? 0;
}

/// <summary>
/// A tenant's quota counters. It is a value the caller stores (in replicated state) and passes back in;
/// the evaluator never reads a clock.
/// </summary>
/// <param name="MilliTokens">Entries available in the token bucket, in thousandths.</param>
/// <param name="LastRefillUnixMilliseconds">When the bucket was last refilled.</param>
/// <param name="Day">The UTC day (days since the Unix epoch) <paramref name="BytesThisDay"/> counts.</param>
/// <param name="BytesThisDay">Entry bytes accepted on <paramref name="Day"/>.</param>
public readonly record struct QuotaState(long MilliTokens, long LastRefillUnixMilliseconds, long Day, long BytesThisDay)
{
    /// <summary>The counters of a tenant that has not written yet: a full bucket, nothing counted today.</summary>
    /// <param name="limits">The tenant's limits.</param>
    /// <param name="nowUnixMilliseconds">The deterministic time (e.g. the consensus timestamp).</param>
    /// <returns>The initial state.</returns>
    public static QuotaState Initial(QuotaLimits limits, long nowUnixMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return new(limits.BucketCapacity * 1000, nowUnixMilliseconds, nowUnixMilliseconds / QuotaEvaluator.MillisecondsPerDay, 0);
    }
}

/// <summary>The outcome of a quota check.</summary>
/// <param name="Allowed">Whether the batch fits the quota.</param>
/// <param name="State">The counters after the batch (unchanged when denied).</param>
/// <param name="RetryAfterMilliseconds">When denied, how long until the same batch would fit; -1 when it never will.</param>
/// <param name="Reason">What was exceeded, or why it fits.</param>
/// <param name="DecidedBy">The quota rule applied.</param>
public readonly record struct QuotaDecision(
    bool Allowed,
    QuotaState State,
    long RetryAfterMilliseconds,
    string Reason,
    PolicyRuleSource DecidedBy);
