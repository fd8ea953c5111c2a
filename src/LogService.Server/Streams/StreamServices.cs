using LogService.Server.Hosting;

namespace LogService.Server.Streams;

/// <summary>Registration of stream administration.</summary>
public static class StreamServices
{
    /// <summary>
    /// Registers stream creation (on the key-service replica: <see cref="InitialSecretVault"/>, <see cref="StreamCreator"/>)
    /// and the bootstrap of <c>_system/bft</c> and configured streams.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddStreamAdministration(this IServiceCollection services)
    {
        services.AddOptions<StreamBootstrapOptions>().BindConfiguration(StreamBootstrapOptions.Section);
        services.AddSingleton(sp => new InitialSecretVault(sp.GetRequiredService<ReplicaRuntime>()));
        services.AddSingleton<StreamCreator>();
        services.AddHostedService<StreamBootstrap>();
        return services;
    }
}
