using LogService.Core.KeyService;
using LogService.Core.Replica;
using LogService.Sealing;
using LogService.Server.Hosting;
using LogService.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LogService.Server.Reading;

/// <summary>Registers the read side: query, proofs, verification, the audit trail, and T where this replica hosts it.</summary>
public static class ReadServices
{
    /// <summary>
    /// Adds the services behind <see cref="ReadEndpoints.MapReadEndpoints"/>. Expects the host to register the
    /// replica's <see cref="ILogStore"/>, the policy decision point and, on the replica hosting T
    /// (<see cref="ReadOptions.HostsKeyService"/>), its <see cref="ReplicaIdentity"/>; an <see cref="IReadAuditWriter"/>
    /// when one is registered receives the audit records.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">Configuration holding <see cref="ReadOptions.Section"/>.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddLogServiceReads(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(ReadOptions.Section).Get<ReadOptions>() ?? new ReadOptions();
        services.AddOptions<ReadOptions>().BindConfiguration(ReadOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOpenApi();

        services.AddSingleton<ReadAuditTrail>();
        services.AddHostedService(sp => sp.GetRequiredService<ReadAuditTrail>());
        services.AddSingleton<ReadAccess>();
        services.AddSingleton(sp => new StreamMerkleProofs(sp.GetRequiredService<ILogStore>()));
        services.AddSingleton<EntryPresenter>();
        services.AddSingleton<EntrySearch>();
        services.AddSingleton<StreamReads>();
        services.AddSingleton<KeyReads>();

        services.AddSingleton<CertifiedHeads>();
        if (options.HostsKeyService)
        {
            services.TryAddSingleton(sp => new TrustedKeyService(
                sp.GetRequiredService<IOptions<ReadOptions>>().Value.KeyServiceDirectory, sp.GetRequiredService<ReplicaIdentity>(), SystemRandomSource.Instance));
        }

        // In the replica host the cluster directory says who hosts T and the gateway carries the audit records.
        services.TryAddSingleton<IReadAuditWriter>(sp => sp.GetService<ICommandGateway>() is { } gateway && sp.GetService<ClusterDirectory>() is { } directory
            ? new GatewayAuditWriter(gateway, directory, sp)
            : NoAuditWriter.Instance);
        services.AddSingleton<IEntryKeySource>(sp =>
        {
            if (sp.GetService<TrustedKeyService>() is { } keys)
            {
                return new LocalEntryKeySource(keys);
            }

            var url = KeyServiceUrl(sp);
            return url is null
                ? new NoKeySource()
                : new RemoteEntryKeySource(new HttpClient { BaseAddress = new Uri(url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(10) });
        });

        return services;
    }

    /// <summary>The API URL of the replica hosting T: from the cluster directory, else from <see cref="ReadOptions.KeyServiceUrl"/>.</summary>
    internal static string? KeyServiceUrl(IServiceProvider services) =>
        services.GetService<ClusterDirectory>() is { } directory && directory.Replicas.Any(r => r.KeyService)
            ? directory.KeyService.ApiUrl.ToString()
            : services.GetRequiredService<IOptions<ReadOptions>>().Value.KeyServiceUrl;

    /// <summary>No audit stream to write to: records are counted as dropped.</summary>
    private sealed class NoAuditWriter : IReadAuditWriter
    {
        public static NoAuditWriter Instance { get; } = new();

        public Task AppendAsync(string tenant, IReadOnlyList<ReadAuditRecord> records, CancellationToken cancellationToken) =>
            Task.FromException(new InvalidOperationException("no audit stream is configured"));
    }

    /// <summary>No key service configured: bodies stay encrypted and entries are reported unverifiable.</summary>
    private sealed class NoKeySource : IEntryKeySource
    {
        public Task<ReleasedKeys> KeysForAsync(HttpContext context, string streamId, IReadOnlyList<EntryRecord> entries, ulong readerMask, CancellationToken cancellationToken) =>
            Task.FromResult(ReleasedKeySets.Empty());
    }
}
