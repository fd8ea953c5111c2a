using LogService.Core.Commands;
using LogService.Core.Replica;
using LogService.Server.Hosting;
using LogService.Storage;
using Microsoft.Extensions.Options;

namespace LogService.Server.Streams;

/// <summary>Streams the key-service replica creates when they do not exist yet. Bound from <c>LogService:Bootstrap</c>.</summary>
public sealed class StreamBootstrapOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "LogService:Bootstrap";

    /// <summary>The deployment's system stream of captured replication events; always created.</summary>
    public const string SystemBftStream = "_system/bft";

    /// <summary>Further stream ids (<c>tenant/name</c>) to create on first start. Default: none.</summary>
    public List<string> Streams { get; set; } = [];
}

/// <summary>
/// On the replica that hosts the key service, creates <c>_system/bft</c> and the configured streams once the group
/// answers, unless they exist. Every other replica learns of them by executing the create commands.
/// </summary>
internal sealed partial class StreamBootstrap(
    ClusterDirectory directory,
    IServiceProvider services,
    ILogStore store,
    IOptions<StreamBootstrapOptions> options,
    ILogger<StreamBootstrap> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!directory.IsKeyService)
        {
            return;
        }

        var creator = services.GetRequiredService<StreamCreator>();
        var wanted = options.Value.Streams.Prepend(StreamBootstrapOptions.SystemBftStream).Distinct(StringComparer.Ordinal).ToList();
        foreach (var streamId in wanted)
        {
            var tenant = StreamIds.TenantOf(streamId);
            var name = streamId[(tenant.Length + 1)..];
            while (!stoppingToken.IsCancellationRequested && store.GetHead(streamId) is null)
            {
                try
                {
                    var quorum = await creator.CreateAsync(tenant, name, RetentionPolicy.KeepAll, stoppingToken).ConfigureAwait(false);
                    if (quorum.Agreed.Outcome == CommandOutcome.Committed)
                    {
                        LogCreated(log, streamId);
                    }
                    else if (store.GetHead(streamId) is null)
                    {
                        LogRefused(log, streamId, quorum.Agreed.Reason);
                        break;
                    }
                }
                catch (QuorumUnavailableException)
                {
                    // The group is still forming; try again shortly.
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "created stream {StreamId}")]
    private static partial void LogCreated(ILogger logger, string streamId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the replicas refused to create stream {StreamId}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string streamId, string reason);
}
