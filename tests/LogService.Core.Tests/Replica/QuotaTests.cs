using LogService.Core.Commands;
using LogService.Core.Entries;
using LogService.Core.Policies;
using LogService.Core.Replica;

namespace LogService.Core.Tests.Replica;

public sealed class QuotaTests : IDisposable
{
    private static readonly WriterIdentity Writer = new("acme", "cloud-a", "web-1", "svc-orders");
    private static readonly QuotaLimits TenPerSecond = new(10, 20, null, new PolicyRuleSource("acme-rate", "quotas.yaml", 4));
    private readonly ReplicaGroup _group = new();
    private int _batch;

    public QuotaTests()
    {
        _group.Decide(_group.PrepareStream("acme", "orders"), _group.PrepareStream("acme", "billing"), _group.PrepareStream("acme", "_audit"));
    }

    public void Dispose() => _group.Dispose();

    [Fact]
    public void AnOverQuotaAppendIsRefusedIdenticallyByEveryReplicaWithTheTimeUntilItFits()
    {
        Assert.Equal(CommandOutcome.Committed, Outcome(Append("acme/orders", 15, TenPerSecond)));

        var replies = _group.Decide(Append("acme/billing", 10, TenPerSecond));

        var agreed = CommandReply.AgreedPart(replies[0][0]).ToArray();
        Assert.All(replies, r => Assert.Equal(agreed, CommandReply.AgreedPart(r[0]).ToArray()));
        var refusal = CommandReply.Decode(replies[3][0]);
        Assert.Equal(CommandOutcome.OverQuota, refusal.Outcome);
        Assert.Contains("rule acme-rate in file quotas.yaml:4", refusal.Reason, StringComparison.Ordinal);
        Assert.Equal(493, refusal.RetryAfterMilliseconds);
        Assert.Single(_group.SealedEntries(0, "acme/billing"));

        _group.AdvanceTime(493);
        Assert.Equal(CommandOutcome.Committed, Outcome(Append("acme/billing", 10, TenPerSecond)));
    }

    [Fact]
    public void ABatchLargerThanTheBurstCanNeverFit()
    {
        var refusal = CommandReply.Decode(_group.Decide(Append("acme/orders", 21, TenPerSecond))[1][0]);

        Assert.Equal(CommandOutcome.OverQuota, refusal.Outcome);
        Assert.Equal(-1, refusal.RetryAfterMilliseconds);
    }

    [Fact]
    public void TheDailyByteQuotaCountsEveryStreamOfTheTenant()
    {
        var first = Append("acme/orders", 5, null);
        var perDay = new QuotaLimits(null, null, first.Drafts.Sum(d => (long)d.Length) * 3 / 2, new PolicyRuleSource("acme-bytes", "quotas.yaml", 9));

        Assert.Equal(CommandOutcome.Committed, Outcome(first with { Quota = perDay }));
        var refusal = CommandReply.Decode(_group.Decide(Append("acme/billing", 5, perDay))[0][0]);

        Assert.Equal(CommandOutcome.OverQuota, refusal.Outcome);
        Assert.Contains("daily quota", refusal.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void RestartedAndRestoredReplicasRefuseExactlyWhatTheOthersRefuse()
    {
        Assert.Equal(CommandOutcome.Committed, Outcome(Append("acme/orders", 12, TenPerSecond)));
        Assert.Equal(CommandOutcome.Committed, Outcome(Append("acme/billing", 4, TenPerSecond)));
        _group.Restart(1);
        _group.Machine(2).RestoreSnapshot(_group.LastInstance, _group.Machine(0).TakeSnapshot());

        var replies = _group.Decide(Append("acme/orders", 6, TenPerSecond));

        Assert.All(replies, r => Assert.Equal(CommandOutcome.OverQuota, CommandReply.Decode(r[0]).Outcome));
        Assert.Single(replies.Select(r => CommandReply.AgreedPart(r[0]).ToArray()).Select(Convert.ToHexString).Distinct());
    }

    [Fact]
    public void RetriesAndRefusedBatchesAreNotCounted()
    {
        var batch = Append("acme/orders", 15, TenPerSecond);
        Assert.Equal(CommandOutcome.Committed, Outcome(batch));
        Assert.Equal(CommandOutcome.Duplicate, Outcome(batch));
        Assert.Equal(CommandOutcome.OverQuota, Outcome(Append("acme/orders", 10, TenPerSecond)));

        Assert.Equal(CommandOutcome.Committed, Outcome(Append("acme/orders", 5, TenPerSecond)));
    }

    [Fact]
    public void OnlyTheServiceWritesAReservedStreamAndItsWritesAreNeverRefusedForQuota()
    {
        Assert.Equal(CommandOutcome.Committed, Outcome(Append("acme/orders", 20, TenPerSecond)));

        var forged = CommandReply.Decode(_group.Decide(Append("acme/_audit", 1, null))[0][0]);
        var audit = Append("acme/_audit", 30, TenPerSecond) with { Writer = SystemStreams.ServiceWriter("acme", "replica-0", "audit") };

        Assert.Equal(CommandOutcome.Rejected, forged.Outcome);
        Assert.Contains("only by the service", forged.Reason, StringComparison.Ordinal);
        Assert.Equal(CommandOutcome.Committed, Outcome(audit));
        Assert.Equal(31, _group.SealedEntries(0, "acme/_audit").Count);
        Assert.True(SystemStreams.IsReserved("_system/bft"));
        Assert.False(SystemStreams.IsReserved("acme/orders_"));
    }

    [Fact]
    public void TheQuotaTravelsInTheOrderedCommand()
    {
        var command = Append("acme/orders", 2, TenPerSecond);

        var decoded = (AppendEntriesCommand)LogCommandCodec.Decode(LogCommandCodec.Encode(command));

        Assert.Equal(TenPerSecond, decoded.Quota);
        Assert.Null(((AppendEntriesCommand)LogCommandCodec.Decode(LogCommandCodec.Encode(command with { Quota = null }))).Quota);
    }

    private CommandOutcome Outcome(LogCommand command) => CommandReply.Decode(_group.Decide(command)[2][0]).Outcome;

    private AppendEntriesCommand Append(string streamId, int count, QuotaLimits? quota) =>
        new(streamId, Writer, $"batch-{++_batch}", 1, [.. Enumerable.Range(0, count).Select(i => EntryCodec.EncodeDraft(new EntryDraft
        {
            Level = EntryLevel.Information,
            EventType = EventTypes.FromTemplate("order {Id} shipped"),
            Body = new EntryBody { TimestampUnixMicros = 1_760_000_000_000_000, MessageTemplate = "order {Id} shipped", RenderedMessage = $"order {i} shipped" },
        }))])
        {
            Quota = quota,
        };
}
