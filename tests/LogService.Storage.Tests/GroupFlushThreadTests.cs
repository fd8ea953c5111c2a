using LogService.Storage.Sql;

namespace LogService.Storage.Tests;

/// <summary>
/// The group-commit thread behind PostgreSQL's sync=full flushes; that its flush really waits for the server is
/// checked on a real server (<see cref="PostgresDurabilityTests"/>).
/// </summary>
public sealed class GroupFlushThreadTests
{
    [Fact]
    public async Task NoCommitCompletesBeforeAFlushThatStartedAfterIt()
    {
        using var release = new SemaphoreSlim(0);
        var flushes = 0;
        using var thread = new GroupFlushThread("test flush", () =>
        {
            release.Wait();
            Interlocked.Increment(ref flushes);
        }, failure => failure);

        var first = thread.Register();
        var second = thread.Register();
        Assert.False(first.Wait(TimeSpan.FromMilliseconds(200)), "a commit completed while no flush had returned");

        // One flush may take both (registered before it started), or only the first; either way both complete after
        // flushes returned, never before.
        release.Release(2);
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.InRange(Volatile.Read(ref flushes), 1, 2);
    }

    [Fact]
    public async Task AFailedFlushFailsEveryPendingAndLaterCommitAndIsReportedOnce()
    {
        var reported = new List<Exception>();
        var condemned = new LogStoreException(StoreFailure.EngineError, "db", "the flush failed");
        using var started = new ManualResetEventSlim();
        using var thread = new GroupFlushThread("test flush", () =>
        {
            started.Wait();
            throw new InvalidOperationException("connection broken");
        }, failure =>
        {
            lock (reported)
            {
                reported.Add(failure);
            }

            return condemned;
        });

        var first = thread.Register();
        var second = thread.Register();
        started.Set();
        Assert.Same(condemned, await Assert.ThrowsAsync<LogStoreException>(() => first.WaitAsync(TimeSpan.FromSeconds(30))));
        Assert.Same(condemned, await Assert.ThrowsAsync<LogStoreException>(() => second.WaitAsync(TimeSpan.FromSeconds(30))));
        Assert.Same(condemned, await Assert.ThrowsAsync<LogStoreException>(() => thread.Register()));
        var failure = Assert.Single(reported);
        Assert.Equal("connection broken", failure.Message);
    }
}
