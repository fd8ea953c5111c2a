using System.Text;
using LogService.Client.Trust;
using Serilog.Sinks.LogService.Shipping;
using Serilog.Sinks.LogService.Tests.Support;

namespace Serilog.Sinks.LogService.Tests;

/// <summary>How far a receipt's signed range may reach beyond the batch it answers.</summary>
public sealed class ReceiptCheckTests : IDisposable
{
    private const string Stream = "acme/orders";
    private readonly FakeReplicaKeys _keys = new();
    private readonly ReplicaKeySet _pinned;
    private readonly ReceiptCheck _check;

    public ReceiptCheckTests()
    {
        _pinned = ReplicaKeySet.Parse(_keys.KeySetJson());
        _check = new ReceiptCheck(_pinned);
    }

    [Fact]
    public void ADuplicateSignedUpToTheStreamsLaterHeadCountsForTheBatch() =>
        Assert.Null(Check("duplicate", first: 100, count: 10, streamLast: 149));

    [Fact]
    public void ACommittedReceiptCoveringMoreThanTheBatchIsRefused() =>
        Assert.Contains("covers 50 entries, the batch has 10", Check("committed", first: 100, count: 10, streamLast: 149), StringComparison.Ordinal);

    [Fact]
    public void ADuplicateCoveringLessThanTheBatchIsRefused() =>
        Assert.NotNull(Check("duplicate", first: 100, count: 5, streamLast: 104, batchCount: 10));

    private string? Check(string outcome, long first, int count, long streamLast, int? batchCount = null)
    {
        var receipt = _keys.Receipt(Stream, "source:0-9", first, count, outcome, _keys.Keys[..(FakeReplicaKeys.F + 1)], streamLast);
        return _check.Check(Encoding.UTF8.GetBytes(receipt.ToJsonString()), Stream, batchCount ?? count);
    }

    public void Dispose()
    {
        _pinned.Dispose();
        _keys.Dispose();
    }
}
