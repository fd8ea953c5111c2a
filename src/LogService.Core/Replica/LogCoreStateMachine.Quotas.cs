using LogService.Core.Policies;

namespace LogService.Core.Replica;

/// <summary>
/// Tenant quotas and rate limits, enforced in consensus order with the consensus timestamp so every replica refuses
/// exactly the same batches (<see cref="CommandOutcome.OverQuota"/>, with the time until the batch would fit).
/// </summary>
public sealed partial class LogCoreStateMachine
{
    /// <summary>Each tenant's latest quota counters; a tenant missing here is recovered from the stored heads.</summary>
    private readonly Dictionary<string, TenantQuotaCopy?> _tenantQuotas = new(StringComparer.Ordinal);

    /// <summary>Counts a batch against its tenant's limits; null when it fits (the counters then include it), else the refusal.</summary>
    private CommandReply? ChargeQuota(StreamState stream, QuotaLimits limits, IReadOnlyList<ReadOnlyMemory<byte>> drafts, BatchContext context)
    {
        var nowMillis = context.TimestampMicros / 1000;
        var current = CurrentQuota(stream.Tenant);
        var bytes = drafts.Sum(d => (long)d.Length);
        var decision = QuotaEvaluator.Evaluate(limits, current?.State ?? QuotaState.Initial(limits, nowMillis), nowMillis, drafts.Count, bytes);
        if (!decision.Allowed)
        {
            return new CommandReply(CommandOutcome.OverQuota, $"{decision.Reason} ({decision.DecidedBy})", [], _identity.ReplicaId, [])
            {
                RetryAfterMilliseconds = decision.RetryAfterMilliseconds,
            };
        }

        var copy = new TenantQuotaCopy(decision.State, context.Instance, context.CommandIndex);
        _tenantQuotas[stream.Tenant] = copy;
        stream.TenantQuota = copy;
        return null;
    }

    private TenantQuotaCopy? CurrentQuota(string tenant)
    {
        if (_tenantQuotas.TryGetValue(tenant, out var cached))
        {
            return cached;
        }

        // After a restart or a restore: the copy with the latest stamp among the tenant's stored heads is the one
        // every other replica holds. This batch has not counted anything for the tenant yet, or it would be cached.
        TenantQuotaCopy? latest = null;
        foreach (var head in _store.GetHeads())
        {
            if (head.Tenant == tenant && StreamState.QuotaOf(head) is { } copy && copy.IsNewerThan(latest))
            {
                latest = copy;
            }
        }

        _tenantQuotas[tenant] = latest;
        return latest;
    }
}
