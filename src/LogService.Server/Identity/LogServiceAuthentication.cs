using LogService.Core.Policies;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LogService.Server.Identity;

/// <summary>Composition of tenant authentication and scope authorization.</summary>
public static class LogServiceAuthentication
{
    /// <summary>The authentication scheme endpoints use: it forwards to the scheme of the token's issuer.</summary>
    public const string Scheme = "LogService";

    internal const string UnknownIssuerScheme = "LogService.UnknownIssuer";

    internal static string TenantScheme(string tenantId) => "tenant:" + tenantId;

    /// <summary>
    /// Adds the policy (<see cref="LogServicePolicies.AddLogServicePolicies"/>), one JwtBearer scheme per registered
    /// tenant issuer behind the <see cref="Scheme"/> policy scheme, and one authorization policy per scope
    /// (<see cref="LogScopes.PolicyName"/>). Failures answer 401/403 problem details.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">Configuration holding <see cref="LogServiceAuthenticationOptions.Section"/> and <see cref="PolicyOptions.Section"/>.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    /// <exception cref="PolicyValidationException">The policy files are invalid.</exception>
    public static IServiceCollection AddLogServiceIdentity(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var policy = services.AddLogServicePoliciesCore(configuration);

        var auth = OptionsBinding.BindValidated(configuration, LogServiceAuthenticationOptions.Section, new LogServiceAuthenticationOptionsValidator());
        if (!auth.HasOnlyAsymmetricAlgorithms())
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(LogServiceAuthenticationOptions), [AlgorithmFailure]);
        }

        services.AddOptions<LogServiceAuthenticationOptions>()
            .BindConfiguration(LogServiceAuthenticationOptions.Section)
            .Validate(o => o.HasOnlyAsymmetricAlgorithms(), AlgorithmFailure)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LogServiceAuthenticationOptions>, LogServiceAuthenticationOptionsValidator>());

        services.AddSingleton<TenantSchemeRegistry>();
        services.AddHostedService(sp => sp.GetRequiredService<TenantSchemeRegistry>());
        services.AddSingleton<IConfigureOptions<JwtBearerOptions>, TenantJwtBearerSetup>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<JwtBearerOptions>, JwtBearerPostConfigureOptions>());

        var authentication = services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "LogService tenant access tokens", o =>
                o.ForwardDefaultSelector = context => IssuerSchemeSelector.Select(context, context.RequestServices.GetRequiredService<TenantSchemeRegistry>()))
            .AddScheme<AuthenticationSchemeOptions, UnknownIssuerHandler>(UnknownIssuerScheme, null);
        foreach (var scheme in TenantSchemeRegistry.SchemesOf(policy.Current).Keys)
        {
            authentication.AddJwtBearer(scheme, _ => { });
        }

        var authorization = services.AddAuthorizationBuilder();
        foreach (var scope in LogScopes.All)
        {
            authorization.AddPolicy(LogScopes.PolicyName(scope), p => p
                .AddAuthenticationSchemes(Scheme)
                .RequireAuthenticatedUser()
                .AddRequirements(new ScopeRequirement(scope)));
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, ScopeRequirementHandler>());
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        return services;
    }

    /// <summary>Requires a caller authenticated by a tenant issuer whose token grants <paramref name="scope"/>.</summary>
    /// <typeparam name="TBuilder">An endpoint or route group builder.</typeparam>
    /// <param name="builder">The endpoint(s).</param>
    /// <param name="scope">One of <see cref="LogScopes"/>.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static TBuilder RequireLogScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder
    {
        if (!LogScopes.All.Contains(scope))
        {
            throw new ArgumentException($"'{scope}' is not a LogService scope", nameof(scope));
        }

        return builder.RequireAuthorization(LogScopes.PolicyName(scope));
    }

    private const string AlgorithmFailure = "AllowedAlgorithms may list only asymmetric JWS algorithms (RS*, PS*, ES*)";
}
