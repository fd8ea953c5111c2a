using LogService.Core.Policies;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LogService.Server.Identity;

/// <summary>Registers the policy engine: the watched policy directory and the decision point over it.</summary>
public static class LogServicePolicies
{
    /// <summary>
    /// Loads and validates the policy directory now (so an invalid policy stops the host before it serves), keeps
    /// watching it, and registers <see cref="IPolicySource"/> and <see cref="IPolicyDecisionPoint"/>. Calling it
    /// again is harmless.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">Configuration holding <see cref="PolicyOptions.Section"/>.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="PolicyValidationException">The policy files are invalid.</exception>
    public static IServiceCollection AddLogServicePolicies(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLogServicePoliciesCore(configuration);
        return services;
    }

    internal static IPolicySource AddLogServicePoliciesCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.FirstOrDefault(d => d.ServiceType == typeof(LoadedPolicy))?.ImplementationInstance is LoadedPolicy loaded)
        {
            return loaded.Source;
        }

        var options = OptionsBinding.BindValidated(configuration, PolicyOptions.Section, new PolicyOptionsValidator());
        services.AddOptions<PolicyOptions>().BindConfiguration(PolicyOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PolicyOptions>, PolicyOptionsValidator>());

        var source = PolicyEngine.Watch(options);
        services.AddSingleton(new LoadedPolicy(source));

        // Registered through a factory so the container disposes the watcher with the host.
        services.AddSingleton(_ => source);
        services.AddSingleton(sp => PolicyEngine.DecisionPoint(sp.GetRequiredService<IPolicySource>()));
        services.AddHostedService<PolicyReloadLog>();
        return source;
    }

    /// <summary>Marks that the policy was loaded for this service collection.</summary>
    private sealed record LoadedPolicy(IPolicySource Source);
}

/// <summary>Checks <see cref="PolicyOptions"/> at startup.</summary>
[OptionsValidator]
internal sealed partial class PolicyOptionsValidator : IValidateOptions<PolicyOptions>;

/// <summary>Binds options that composition needs before the container exists, validated the same way as at start.</summary>
internal static class OptionsBinding
{
    public static T BindValidated<T>(IConfiguration configuration, string section, IValidateOptions<T> validator)
        where T : class, new()
    {
        var options = configuration.GetSection(section).Get<T>() ?? new T();
        var result = validator.Validate(Options.DefaultName, options);
        return result.Failed ? throw new OptionsValidationException(Options.DefaultName, typeof(T), result.Failures) : options;
    }
}
