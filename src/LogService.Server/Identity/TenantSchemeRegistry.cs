using LogService.Core.Policies;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace LogService.Server.Identity;

/// <summary>
/// Keeps one JwtBearer scheme per registered tenant in step with the tenant registry, so tenants added,
/// changed or removed in the policy files take effect without a restart. The issuer-to-scheme map it
/// publishes only ever names schemes that are registered.
/// </summary>
internal sealed partial class TenantSchemeRegistry(
    IPolicySource policy,
    IAuthenticationSchemeProvider schemes,
    IOptionsMonitorCache<JwtBearerOptions> optionsCache,
    ILogger<TenantSchemeRegistry> logger) : IHostedService
{
    private readonly Lock syncLock = new();
    private volatile Snapshot current = new(SchemesOf(policy.Current));

    /// <summary>The tenants whose schemes are registered when the service collection is built.</summary>
    public static IReadOnlyDictionary<string, TenantRegistration> SchemesOf(PolicySet policy) =>
        policy.Tenants.Values.ToDictionary(t => LogServiceAuthentication.TenantScheme(t.Id), StringComparer.Ordinal);

    public TenantRegistration? TenantOfScheme(string scheme) => current.ByScheme.GetValueOrDefault(scheme);

    public string? SchemeOfIssuer(string issuer) => current.SchemeByIssuer.GetValueOrDefault(issuer);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        policy.Reloaded += OnReloaded;
        Synchronize(policy.Current);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        policy.Reloaded -= OnReloaded;
        return Task.CompletedTask;
    }

    private void OnReloaded(object? sender, PolicyReloadedEventArgs e)
    {
        if (e.Error is null)
        {
            Synchronize(e.Current);
        }
    }

    private void Synchronize(PolicySet policySet)
    {
        lock (syncLock)
        {
            var before = current.ByScheme;
            var after = SchemesOf(policySet);
            var changed = new List<string>();
            foreach (var (scheme, tenant) in after)
            {
                if (!before.TryGetValue(scheme, out var old))
                {
                    schemes.TryAddScheme(new AuthenticationScheme(scheme, null, typeof(JwtBearerHandler)));
                    LogTenantAdded(tenant.Id, tenant.Issuer);
                }
                else if (old.Issuer != tenant.Issuer || old.Audience != tenant.Audience)
                {
                    changed.Add(scheme);
                    LogTenantChanged(tenant.Id, tenant.Issuer);
                }
            }

            // Publish before dropping cached options and schemes, so nothing is rebuilt from, or routed to, the old registry.
            current = new Snapshot(after);
            changed.ForEach(scheme => optionsCache.TryRemove(scheme));
            foreach (var scheme in before.Keys.Where(s => !after.ContainsKey(s)))
            {
                schemes.RemoveScheme(scheme);
                optionsCache.TryRemove(scheme);
                LogTenantRemoved(before[scheme].Id);
            }
        }
    }

    private sealed class Snapshot(IReadOnlyDictionary<string, TenantRegistration> byScheme)
    {
        public IReadOnlyDictionary<string, TenantRegistration> ByScheme { get; } = byScheme;

        public IReadOnlyDictionary<string, string> SchemeByIssuer { get; } =
            byScheme.ToDictionary(t => t.Value.Issuer.OriginalString, t => t.Key, StringComparer.Ordinal);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {Tenant} registered with issuer {Issuer}")]
    private partial void LogTenantAdded(string tenant, Uri issuer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {Tenant} now uses issuer {Issuer}")]
    private partial void LogTenantChanged(string tenant, Uri issuer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {Tenant} removed from the registry")]
    private partial void LogTenantRemoved(string tenant);
}
