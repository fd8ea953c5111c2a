using LogService.Server.Ingestion;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LogService.Server.Writing;

/// <summary>Registration of the write path.</summary>
public static class WritingServices
{
    /// <summary>Registers the ingestion formats with <see cref="IngestLimits"/> from <see cref="IngestLimits.SectionName"/> (validated at start).</summary>
    /// <param name="services">The host's services.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddWritePath(this IServiceCollection services)
    {
        services.AddOptions<IngestLimits>().BindConfiguration(IngestLimits.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IngestFormatSet>();
        services.AddSingleton<WriteServices>();
        return services;
    }
}
