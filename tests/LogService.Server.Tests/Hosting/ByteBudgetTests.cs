using LogService.Server.Hosting;

namespace LogService.Server.Tests.Hosting;

public sealed class ByteBudgetTests
{
    [Fact]
    public async Task RequestsThatDoNotFitWaitAndAreLetInFirstComeFirstServed()
    {
        var budget = new ByteBudget(100);
        var first = await budget.AcquireAsync(60, CancellationToken.None);
        var second = budget.AcquireAsync(50, CancellationToken.None).AsTask();
        var third = budget.AcquireAsync(10, CancellationToken.None).AsTask();

        // The third would fit, but it came after the second: no overtaking.
        await Task.Delay(50);
        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted);

        budget.Release(first);
        Assert.Equal(50, await second.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(10, await third.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(60, budget.InUse);
    }

    [Fact]
    public async Task ARequestLargerThanTheBudgetGoesAloneOnceEverythingElseIsDone()
    {
        var budget = new ByteBudget(100);
        var small = await budget.AcquireAsync(1, CancellationToken.None);
        var large = budget.AcquireAsync(1_000, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(large.IsCompleted);

        budget.Release(small);
        Assert.Equal(100, await large.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(100, budget.InUse);
    }

    [Fact]
    public async Task AnAbandonedWaitIsChargedNothingAndLetsTheNextIn()
    {
        var budget = new ByteBudget(100);
        var held = await budget.AcquireAsync(90, CancellationToken.None);
        using var giveUp = new CancellationTokenSource();
        var abandoned = budget.AcquireAsync(50, giveUp.Token).AsTask();
        var next = budget.AcquireAsync(10, CancellationToken.None).AsTask();

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        Assert.Equal(10, await next.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(100, budget.InUse);

        budget.Release(held);
        Assert.Equal(10, budget.InUse);
    }
}
