namespace LogService.Core.Policies;

/// <summary>
/// Quota and rate-limit evaluation as a pure function of limits, counters, time and batch size, so every
/// replica of the state machine reaches the same answer. Integer arithmetic only.
/// </summary>
public static class QuotaEvaluator
{
    internal const long MillisecondsPerDay = 86_400_000;

    /// <summary>Decides whether a batch fits and returns the counters after it.</summary>
    /// <param name="limits">The tenant's limits (<see cref="PolicySet.QuotaFor"/>).</param>
    /// <param name="state">The tenant's counters before the batch.</param>
    /// <param name="nowUnixMilliseconds">The deterministic time of the batch (e.g. the consensus timestamp).</param>
    /// <param name="entries">The batch's entry count.</param>
    /// <param name="bytes">The batch's entry bytes.</param>
    /// <returns>The decision with the new counters.</returns>
    public static QuotaDecision Evaluate(QuotaLimits limits, QuotaState state, long nowUnixMilliseconds, long entries, long bytes)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfNegative(entries);
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);

        // Time never runs backwards in the ordered log, but a stale state must not mint tokens from a negative gap.
        var now = Math.Max(nowUnixMilliseconds, state.LastRefillUnixMilliseconds);
        var refilled = Refill(limits, state, now);
        var day = now / MillisecondsPerDay;
        var bytesThisDay = day == state.Day ? state.BytesThisDay : 0;

        if (limits.EntriesPerSecond is { } rate)
        {
            var capacity = limits.BucketCapacity * 1000;
            var needed = entries * 1000;
            if (needed > capacity)
            {
                return Deny(limits, state, -1, $"a batch of {entries} entries exceeds the burst of {limits.BucketCapacity}");
            }

            if (needed > refilled)
            {
                // rate entries per second = rate milli-entries per millisecond.
                var wait = rate == 0 ? -1 : ((needed - refilled) + rate - 1) / rate;
                return Deny(limits, state, wait, $"rate limit of {rate} entries per second exceeded");
            }

            refilled -= needed;
        }

        if (limits.BytesPerDay is { } perDay && bytesThisDay + bytes > perDay)
        {
            var wait = bytes > perDay ? -1 : ((day + 1) * MillisecondsPerDay) - now;
            return Deny(limits, state, wait, $"daily quota of {perDay} bytes exceeded");
        }

        var next = new QuotaState(refilled, now, day, bytesThisDay + bytes);
        return new QuotaDecision(true, next, 0, "within quota", limits.Source);
    }

    private static long Refill(QuotaLimits limits, QuotaState state, long now)
    {
        if (limits.EntriesPerSecond is not { } rate || rate == 0)
        {
            return state.MilliTokens;
        }

        var capacity = limits.BucketCapacity * 1000;
        var missing = Math.Max(0, capacity - state.MilliTokens);
        var elapsed = now - state.LastRefillUnixMilliseconds;

        // Cap the gap before multiplying so a long idle period cannot overflow.
        var gain = elapsed >= (missing / rate) + 1 ? missing : elapsed * rate;
        return Math.Min(capacity, state.MilliTokens + gain);
    }

    private static QuotaDecision Deny(QuotaLimits limits, QuotaState state, long retryAfter, string reason) =>
        new(false, state, retryAfter, reason, limits.Source);
}
