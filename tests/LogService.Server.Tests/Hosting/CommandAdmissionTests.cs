using LogService.Server.Hosting;

namespace LogService.Server.Tests.Hosting;

public sealed class CommandAdmissionTests
{
    private static readonly TimeSpan Patient = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Impatient = TimeSpan.FromMilliseconds(1);

    [Fact]
    public async Task AWriteIsAdmittedOnItsDeclaredLengthAndSettlingLowerHandsTheRestToTheNextInLine()
    {
        var budget = new ByteBudget(100);
        using var admitted = await AdmitAsync(budget, 80);
        var next = budget.AcquireAsync(50, CancellationToken.None).AsTask();
        Assert.Equal(80, budget.InUse);
        Assert.False(next.IsCompleted);

        await admitted.SettleAsync(30, CancellationToken.None);

        Assert.Equal(30, admitted.Held);
        Assert.Equal(50, await next.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(80, budget.InUse);
    }

    [Fact]
    public async Task SettlingHigherTakesTheDifferenceAtOnceAheadOfTheWaitersWhoStillGoInOrder()
    {
        var budget = new ByteBudget(100);
        using var admitted = await AdmitAsync(budget, 60);
        var second = budget.AcquireAsync(40, CancellationToken.None).AsTask();
        Assert.Equal(40, await second.WaitAsync(TimeSpan.FromSeconds(5)));
        var third = budget.AcquireAsync(30, CancellationToken.None).AsTask();
        var fourth = budget.AcquireAsync(10, CancellationToken.None).AsTask();

        // Admitted at its turn, its command came out larger than declared: it takes the difference without waiting
        // (a wait here could be for bytes held by another admitted write waiting in turn for this one's).
        var settle = admitted.SettleAsync(90, CancellationToken.None).AsTask();
        Assert.True(settle.IsCompletedSuccessfully);
        Assert.Equal(90, admitted.Held);
        Assert.Equal(130, budget.InUse);

        // The overdraft keeps the waiters out until it has drained, and they still go first come, first served.
        budget.Release(40);
        await Task.Delay(50);
        Assert.False(third.IsCompleted);
        Assert.False(fourth.IsCompleted);
        admitted.Dispose();
        Assert.Equal(30, await third.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(10, await fourth.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(40, budget.InUse);
    }

    [Fact]
    public async Task AWriteThatFindsNoRoomIsRefusedAndHoldsNothing()
    {
        var budget = new ByteBudget(100);
        var held = await budget.AcquireAsync(100, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<ServiceOverloadedException>(() =>
            CommandAdmission.AdmitAsync(budget, 10, Impatient, Patient, CancellationToken.None).AsTask());

        Assert.Contains("body not read", refused.Message, StringComparison.Ordinal);
        budget.Release(held);
        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task AWriteOfUnknownLengthHoldsNothingUntilItsCommandQueuesForItsSize()
    {
        var budget = new ByteBudget(100);
        using var chunked = await CommandAdmission.AdmitAsync(budget, null, Impatient, Patient, CancellationToken.None);
        Assert.Equal(0, chunked.Held);
        Assert.False(chunked.BodyDeadline.CanBeCanceled);

        var held = await budget.AcquireAsync(90, CancellationToken.None);
        await Assert.ThrowsAsync<ServiceOverloadedException>(() => chunked.SettleAsync(20, CancellationToken.None).AsTask());
        Assert.Equal(0, chunked.Held);

        budget.Release(held);
        await chunked.SettleAsync(20, CancellationToken.None);
        Assert.Equal(20, chunked.Held);
        Assert.Equal(20, budget.InUse);
    }

    [Fact]
    public async Task DisposingHandsBackWhatIsHeldOnceHoweverOftenItIsCalled()
    {
        var budget = new ByteBudget(100);
        var admitted = await AdmitAsync(budget, 70);
        await admitted.SettleAsync(50, CancellationToken.None);
        var other = await budget.AcquireAsync(20, CancellationToken.None);

        admitted.Dispose();
        admitted.Dispose();

        Assert.Equal(0, admitted.Held);
        Assert.Equal(20, budget.InUse);
        budget.Release(other);
        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task ADeclaredLengthLargerThanTheBudgetHoldsAllOfItAndSettlesToWhatTheCommandNeeds()
    {
        var budget = new ByteBudget(100);
        using var admitted = await AdmitAsync(budget, 10_000_000);
        Assert.Equal(100, admitted.Held);

        await admitted.SettleAsync(25, CancellationToken.None);

        Assert.Equal(25, budget.InUse);
    }

    [Fact]
    public async Task TheBodyDeadlineOfAnAdmittedWriteFiresAfterTheBodyTimeout()
    {
        var budget = new ByteBudget(100);
        using var admitted = await CommandAdmission.AdmitAsync(budget, 10, Impatient, TimeSpan.FromMilliseconds(50), CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Delay(Timeout.InfiniteTimeSpan, admitted.BodyDeadline).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(10, admitted.Held);
    }

    private static ValueTask<CommandAdmission> AdmitAsync(ByteBudget budget, long declared) =>
        CommandAdmission.AdmitAsync(budget, declared, Patient, Patient, CancellationToken.None);
}
