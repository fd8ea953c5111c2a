using LogService.Storage;

namespace LogService.Server.Hosting;

/// <summary>
/// A quorum of f+1 replies may arrive before this replica has executed the same instance. Answers that read this
/// replica's store after a command wait here, briefly, until the store has applied that instance.
/// </summary>
public static class LocalCatchUp
{
    /// <summary>Waits until <paramref name="store"/> has applied <paramref name="instance"/> or <paramref name="patience"/> passes; true if it has.</summary>
    public static Task<bool> WaitAsync(ILogStore store, long instance, TimeSpan patience, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return WaitAsync(() => store.LastAppliedInstance >= instance, patience, cancellationToken);
    }

    /// <summary>Waits until <paramref name="caughtUp"/> holds or <paramref name="patience"/> passes; true if it holds.</summary>
    public static async Task<bool> WaitAsync(Func<bool> caughtUp, TimeSpan patience, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caughtUp);
        var deadline = DateTime.UtcNow + patience;
        while (!caughtUp())
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }
}
