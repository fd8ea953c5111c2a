using LogService.Core.KeyService;
using LogService.Replication.Events;
using LogService.Sealing;
using LogService.Server.Identity;
using LogService.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LogService.Server.Hosting;

/// <summary>Composition of one replica host: the replica itself, the services the API parts share, and the web front end's limits.</summary>
public static class ReplicaHosting
{
    /// <summary>Largest request body Kestrel accepts (10 MiB); larger bodies are refused before they are parsed.</summary>
    public const long MaxRequestBodyBytes = 10L * 1024 * 1024;

    /// <summary>
    /// Registers the replica (<see cref="ReplicaRuntime"/>, started before the API serves), its
    /// <see cref="ILogStore"/>/<see cref="ILogQuery"/>, the <see cref="ClusterDirectory"/>, the
    /// <see cref="ICommandGateway"/>, the <see cref="ReplicationEventStream"/>, tenant authentication and policies,
    /// and, on the replica that hosts it, the key service T (<see cref="TrustedKeyService"/>). Binds the API to this replica's URL
    /// from the cluster file unless URLs are configured.
    /// </summary>
    /// <param name="builder">The web application builder.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static WebApplicationBuilder AddReplicaHost(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = builder.Configuration.GetSection(ReplicaOptions.Section).Get<ReplicaOptions>() ?? new ReplicaOptions();
        var validation = new ReplicaOptionsValidator().Validate(Options.DefaultName, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(ReplicaOptions), validation.Failures);
        }

        var cluster = ClusterFile.Load(options.ClusterFile);
        var directory = new ClusterDirectory(cluster, options.Id);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(directory.Self.ApiUrl.ToString());
        }

        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxRequestBodyBytes);

        services.AddOptions<ReplicaOptions>().BindConfiguration(ReplicaOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReplicaOptions>, ReplicaOptionsValidator>());
        services.AddSingleton(cluster);
        services.AddSingleton(directory);
        services.AddSingleton<ReplicationEventStream>();
        services.AddSingleton<ReplicaRuntime>();
        services.AddSingleton<ILogStore>(sp => sp.GetRequiredService<ReplicaRuntime>().Store);
        services.AddSingleton<ILogQuery>(sp => sp.GetRequiredService<ReplicaRuntime>().Store);
        services.AddSingleton<CommandGateway>();
        services.AddSingleton<ICommandGateway>(sp => sp.GetRequiredService<CommandGateway>());
        services.AddSingleton<ReplicaStatus>();
        services.AddSingleton<ReadinessProbe>();
        if (directory.IsKeyService)
        {
            services.AddSingleton(sp => new TrustedKeyService(
                Path.Combine(sp.GetRequiredService<ReplicaRuntime>().DataDirectory, "key-service"),
                sp.GetRequiredService<ReplicaRuntime>().Identity,
                SystemRandomSource.Instance));
        }

        // Order matters: the node starts before the web server takes requests (hosted services start in registration order).
        services.AddHostedService<ReplicaNodeService>();
        services.AddHostedService(sp => sp.GetRequiredService<ReplicaStatus>());

        services.AddProblemDetails();
        services.AddHttpClient();
        services.AddLogServiceIdentity(builder.Configuration);
        return builder;
    }

    /// <summary>Adds the middleware every replica runs: problem details for failures, authentication and authorization.</summary>
    /// <param name="app">The application.</param>
    /// <returns><paramref name="app"/>.</returns>
    public static WebApplication UseReplicaHost(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
