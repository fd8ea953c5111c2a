using LogService.Core.KeyService;
using LogService.Core.Replica;
using LogService.Sealing;
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

        if (options.HostsKeyService)
        {
            services.TryAddSingleton(sp => new TrustedKeyService(
                sp.GetRequiredService<IOptions<ReadOptions>>().Value.KeyServiceDirectory, sp.GetRequiredService<ReplicaIdentity>(), SystemRandomSource.Instance));
            services.AddSingleton<IEntryKeySource>(sp => new LocalEntryKeySource(sp.GetRequiredService<TrustedKeyService>()));
        }
        else if (options.KeyServiceUrl is { } url)
        {
            services.AddSingleton<IEntryKeySource>(_ => new RemoteEntryKeySource(new HttpClient { BaseAddress = new Uri(url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(10) }));
        }
        else
        {
            services.AddSingleton<IEntryKeySource, NoKeySource>();
        }

        return services;
    }

    /// <summary>No key service configured: bodies stay encrypted and entries are reported unverifiable.</summary>
    private sealed class NoKeySource : IEntryKeySource
    {
        public Task<ReleasedKeys> KeysForAsync(HttpContext context, string streamId, IReadOnlyList<EntryRecord> entries, ulong readerMask, CancellationToken cancellationToken) =>
            Task.FromResult(ReleasedKeySets.Empty());
    }
}
