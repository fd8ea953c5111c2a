using Microsoft.Extensions.Options;

namespace LogService.Server.Hosting;

/// <summary>
/// Whether this replica can serve: its node runs and a quorum of replicas answers a read-only query. The answer is
/// cached for a few seconds so probes do not load the group.
/// </summary>
internal sealed class ReadinessProbe(ReplicaRuntime runtime, ICommandGateway gateway, ClusterDirectory directory, IOptions<ReplicaOptions> options)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(3);
    // A query kind the Log Core does not know: every correct replica refuses it identically, whatever its state.
    private static readonly ReadOnlyMemory<byte> Probe = new byte[] { 0, (byte)'?' };
    private readonly SemaphoreSlim _one = new(1, 1);
    private (DateTime At, string? Problem) _last = (DateTime.MinValue, "not probed yet");

    /// <summary>Null when ready; otherwise why not.</summary>
    public async Task<string?> CheckAsync(CancellationToken cancellationToken)
    {
        if (!runtime.Running || runtime.Completion.IsCompleted)
        {
            return "the replica is not running";
        }

        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (DateTime.UtcNow - _last.At < CacheFor)
            {
                return _last.Problem;
            }

            string? problem = null;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(Math.Min(5, options.Value.RequestTimeout.TotalSeconds)));
                await gateway.QueryAsync(Probe, (2 * directory.F) + 1, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is QuorumUnavailableException or OperationCanceledException)
            {
                problem = $"no quorum of {(2 * directory.F) + 1} replicas answered";
            }

            _last = (DateTime.UtcNow, problem);
            return problem;
        }
        finally
        {
            _one.Release();
        }
    }
}
