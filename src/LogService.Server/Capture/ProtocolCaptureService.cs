using LogService.Core.Capture;
using LogService.Replication.Events;
using LogService.Server.Hosting;
using LogService.Storage;
using Microsoft.Extensions.Options;

namespace LogService.Server.Capture;

/// <summary>Whether this replica records the replication protocol into <c>_system/bft</c>. Bound from <c>LogService:Capture</c>.</summary>
public sealed class ProtocolCaptureHostOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "LogService:Capture";

    /// <summary>
    /// Capture the engine's events (decided instances, leader changes, timeouts, checkpoints, state transfers,
    /// misbehaviour evidence) into <c>_system/bft</c>. Default true; off only to measure what the capture costs or
    /// where the deployment records the protocol elsewhere.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Longest a captured event waits before this replica submits its batch. Every replica's submission is one more
    /// consensus instance, so this sets the capture's fixed share of the ordering work. Default 5 s.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Runs <see cref="ProtocolCapture"/> on this replica once <c>_system/bft</c> exists (the key-service replica creates
/// it at bootstrap; the others learn of it by executing the create command). Each replica submits its own view of the
/// protocol through the command gateway, so the record is ordered, sealed and identical on every correct replica.
/// </summary>
internal sealed partial class ProtocolCaptureService(
    ReplicaRuntime runtime,
    ReplicationEventStream events,
    ICommandGateway gateway,
    ILogStore store,
    IOptions<ProtocolCaptureHostOptions> options,
    ILogger<ProtocolCaptureService> log) : BackgroundService
{
    private static readonly TimeSpan StreamPoll = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            LogDisabled(log);
            return;
        }

        try
        {
            while (store.GetHead(ProtocolCapture.StreamId) is null)
            {
                await Task.Delay(StreamPoll, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var directory = runtime.Directory;
        var capture = ProtocolCapture.Start(
            events,
            directory.SelfId,
            (command, cancellationToken) => gateway.SubmitAsync(command, directory.F + 1, cancellationToken),
            runtime.IsCaptureOnly,
            new ProtocolCaptureOptions { EngineKeys = runtime.Replication.ReplicaPublicKeys, FlushInterval = options.Value.FlushInterval });
        LogStarted(log, ProtocolCapture.StreamId);
        await using (capture.ConfigureAwait(false))
        {
            // Runs until the host stops; disposal submits what is still pending while the node is still up
            // (hosted services stop in reverse order, and the node was registered first).
            await Task.Delay(Timeout.Infinite, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "protocol capture into {StreamId} started")]
    private static partial void LogStarted(ILogger logger, string streamId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "protocol capture is off (LogService:Capture:Enabled=false): replication events are not recorded")]
    private static partial void LogDisabled(ILogger logger);
}

/// <summary>Registration of the protocol capture.</summary>
public static class ProtocolCaptureServices
{
    /// <summary>Registers the capture of the replication protocol into <c>_system/bft</c> (on unless <c>LogService:Capture:Enabled</c> is false).</summary>
    /// <param name="services">The host's services.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddProtocolCapture(this IServiceCollection services)
    {
        services.AddOptions<ProtocolCaptureHostOptions>().BindConfiguration(ProtocolCaptureHostOptions.Section);
        services.AddHostedService<ProtocolCaptureService>();
        return services;
    }
}
