namespace LogService.Server.Streams;

/// <summary>Registration of stream administration.</summary>
public static class StreamServices
{
    /// <summary>
    /// Registers stream creation (<see cref="StreamCreator"/>, on the key-service replica)
    /// and the bootstrap of <c>_system/bft</c> and configured streams.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddStreamAdministration(this IServiceCollection services)
    {
        services.AddOptions<StreamBootstrapOptions>().BindConfiguration(StreamBootstrapOptions.Section);
        services.AddSingleton<StreamCreator>();
        services.AddHostedService<StreamBootstrap>();
        return services;
    }
}
