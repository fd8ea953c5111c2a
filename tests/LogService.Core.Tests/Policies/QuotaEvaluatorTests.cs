using LogService.Core.Policies;

namespace LogService.Core.Tests.Policies;

public sealed class QuotaEvaluatorTests
{
    private const long Day = 86_400_000;
    private static readonly PolicyRuleSource Rule = new("test-quota", "quotas.policy.yaml", 3);
    private static readonly QuotaLimits TenPerSecond = new(EntriesPerSecond: 10, Burst: 20, BytesPerDay: null, Rule);
    private static readonly long Start = 1_800_000_000_000;

    [Fact]
    public void ABurstIsAcceptedThenTheNextEntryMustWait()
    {
        var state = QuotaState.Initial(TenPerSecond, Start);

        var first = QuotaEvaluator.Evaluate(TenPerSecond, state, Start, entries: 20, bytes: 0);
        var second = QuotaEvaluator.Evaluate(TenPerSecond, first.State, Start, entries: 1, bytes: 0);

        Assert.True(first.Allowed);
        Assert.False(second.Allowed);
        Assert.Equal(100, second.RetryAfterMilliseconds);
        Assert.Equal(Rule, second.DecidedBy);
    }

    [Fact]
    public void TheBucketRefillsWithTheTimeGivenNotTheClock()
    {
        var drained = QuotaEvaluator.Evaluate(TenPerSecond, QuotaState.Initial(TenPerSecond, Start), Start, 20, 0).State;

        Assert.False(QuotaEvaluator.Evaluate(TenPerSecond, drained, Start + 499, 5, 0).Allowed);
        Assert.True(QuotaEvaluator.Evaluate(TenPerSecond, drained, Start + 500, 5, 0).Allowed);
    }

    [Fact]
    public void ABatchLargerThanTheBurstNeverFits()
    {
        var decision = QuotaEvaluator.Evaluate(TenPerSecond, QuotaState.Initial(TenPerSecond, Start), Start + Day, 21, 0);

        Assert.False(decision.Allowed);
        Assert.Equal(-1, decision.RetryAfterMilliseconds);
    }

    [Fact]
    public void TheDailyByteQuotaResetsAtTheNextUtcDay()
    {
        var limits = new QuotaLimits(null, null, BytesPerDay: 1000, Rule);
        var dayStart = Start / Day * Day;
        var full = QuotaEvaluator.Evaluate(limits, QuotaState.Initial(limits, dayStart), dayStart + 10, 1, 1000).State;

        var sameDay = QuotaEvaluator.Evaluate(limits, full, dayStart + 20, 1, 1);
        var nextDay = QuotaEvaluator.Evaluate(limits, full, dayStart + Day, 1, 1000);

        Assert.False(sameDay.Allowed);
        Assert.Equal(Day - 20, sameDay.RetryAfterMilliseconds);
        Assert.True(nextDay.Allowed);
    }

    [Fact]
    public void ATimestampEarlierThanTheStateMintsNoTokens()
    {
        var drained = QuotaEvaluator.Evaluate(TenPerSecond, QuotaState.Initial(TenPerSecond, Start), Start, 20, 0).State;

        Assert.False(QuotaEvaluator.Evaluate(TenPerSecond, drained, Start - Day, 1, 0).Allowed);
    }

    [Fact]
    public void ALongIdlePeriodRefillsOnlyToCapacity()
    {
        var drained = QuotaEvaluator.Evaluate(TenPerSecond, QuotaState.Initial(TenPerSecond, Start), Start, 20, 0).State;

        var later = QuotaEvaluator.Evaluate(TenPerSecond, drained, long.MaxValue / 2, 20, 0);

        Assert.True(later.Allowed);
        Assert.Equal(0, later.State.MilliTokens);
    }

    [Fact]
    public void UnlimitedTenantsAreAlwaysAccepted()
    {
        var decision = QuotaEvaluator.Evaluate(QuotaLimits.Unlimited, default, Start, 1_000_000, long.MaxValue / 4);

        Assert.True(decision.Allowed);
    }
}
