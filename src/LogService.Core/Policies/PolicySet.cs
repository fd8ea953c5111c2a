namespace LogService.Core.Policies;

/// <summary>
/// One validated, immutable version of the policy: every <c>*.policy.yaml</c> file of the policy directory,
/// merged. Replaced as a whole on reload, so a decision never sees half of an update.
/// </summary>
public sealed class PolicySet
{
    private readonly Dictionary<string, TenantRegistration> tenantsByIssuer;
    private readonly IReadOnlyDictionary<string, QuotaLimits> quotas;

    internal PolicySet(
        string revision,
        IReadOnlyList<string> files,
        IReadOnlyDictionary<string, ulong> maskBits,
        IReadOnlyDictionary<string, TenantRegistration> tenants,
        IReadOnlyDictionary<string, RoleDefinition> roles,
        IReadOnlyList<AccessRule> rules,
        IReadOnlyList<JurisdictionRule> jurisdiction,
        IReadOnlyList<RedactionRule> redaction,
        IReadOnlyDictionary<string, QuotaLimits> quotas,
        IReadOnlyDictionary<string, LocalClientRegistration> localClients)
    {
        Revision = revision;
        Files = files;
        MaskBits = maskBits;
        Tenants = tenants;
        Roles = roles;
        Rules = rules;
        Jurisdiction = jurisdiction;
        Redaction = redaction;
        this.quotas = quotas;
        LocalClients = localClients;
        tenantsByIssuer = tenants.Values.ToDictionary(t => t.Issuer.OriginalString, StringComparer.Ordinal);
    }

    /// <summary>The wildcard tenant of a quota rule that applies to tenants without one of their own.</summary>
    public const string AnyTenant = "*";

    /// <summary>A digest of the files' names and contents; changes whenever the policy does.</summary>
    public string Revision { get; }

    /// <summary>The policy files, by name, in the order they were read.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The named permission-mask bits, as mask values (a single bit each).</summary>
    public IReadOnlyDictionary<string, ulong> MaskBits { get; }

    /// <summary>The tenant registry by tenant id.</summary>
    public IReadOnlyDictionary<string, TenantRegistration> Tenants { get; }

    /// <summary>The local issuer's clients by client id.</summary>
    public IReadOnlyDictionary<string, LocalClientRegistration> LocalClients { get; }

    internal IReadOnlyDictionary<string, RoleDefinition> Roles { get; }

    internal IReadOnlyList<AccessRule> Rules { get; }

    internal IReadOnlyList<JurisdictionRule> Jurisdiction { get; }

    internal IReadOnlyList<RedactionRule> Redaction { get; }

    /// <summary>Reads and validates every <c>*.policy.yaml</c> file in <paramref name="directory"/>.</summary>
    /// <param name="directory">The policy directory.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="PolicyValidationException">A file is invalid; the exception names the file, line and reason.</exception>
    public static PolicySet Load(string directory) => PolicyLoader.Load(directory);

    /// <summary>The tenant whose registered issuer is exactly <paramref name="issuer"/>.</summary>
    /// <param name="issuer">A token's <c>iss</c> value.</param>
    /// <returns>The tenant, or <see langword="null"/> when no tenant registered that issuer.</returns>
    public TenantRegistration? TenantByIssuer(string issuer) => tenantsByIssuer.GetValueOrDefault(issuer);

    /// <summary>The quota limits of <paramref name="tenant"/>: its own rule, else the wildcard rule, else none.</summary>
    /// <param name="tenant">The tenant id.</param>
    /// <returns>The limits to pass to <see cref="QuotaEvaluator.Evaluate"/>.</returns>
    public QuotaLimits QuotaFor(string tenant) =>
        quotas.GetValueOrDefault(tenant) ?? quotas.GetValueOrDefault(AnyTenant) ?? QuotaLimits.Unlimited;

    internal IReadOnlySet<string> RolesOf(LogPrincipal principal) =>
        Roles.Values.Where(r => r.Scopes.Overlaps(principal.Scopes)).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
}
