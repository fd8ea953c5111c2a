namespace LogService.Server.Hosting;

/// <summary>
/// Starts the replica's node before the API starts serving and stops it after the API has stopped. If the node fails
/// (the store faulted, the engine broke), the whole process stops: a replica must not keep answering on state it can
/// no longer vouch for.
/// </summary>
internal sealed partial class ReplicaNodeService(ReplicaRuntime runtime, IHostApplicationLifetime lifetime, ILogger<ReplicaNodeService> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await runtime.StartAsync(cancellationToken).ConfigureAwait(false);
        LogStarted(log, runtime.Directory.SelfId, runtime.Directory.N, runtime.DataDirectory);
        if (runtime.Faulty)
        {
            LogFaulty(log, runtime.Directory.SelfId);
        }

        _ = runtime.Completion.ContinueWith(
            t =>
            {
                if (t.IsFaulted)
                {
                    LogFailed(log, t.Exception);
                    Environment.ExitCode = 3;
                    lifetime.StopApplication();
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    // Runs after the web server has drained its requests. The node stops here, before the container disposes the
    // store (it owns the ILogStore registration too), so no batch is executed on a closed store during shutdown.
    public Task StopAsync(CancellationToken cancellationToken) => runtime.StopAsync();

    [LoggerMessage(Level = LogLevel.Information, Message = "replica {Id} of {N} started; data in {DataDirectory}")]
    private static partial void LogStarted(ILogger logger, int id, int n, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "replica {Id} runs with Byzantine faults switched on (LogService:Replica:Faults); for tests only")]
    private static partial void LogFaulty(ILogger logger, int id);

    [LoggerMessage(Level = LogLevel.Critical, Message = "the replica stopped with a failure; shutting down")]
    private static partial void LogFailed(ILogger logger, Exception? exception);
}
