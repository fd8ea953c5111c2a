namespace LogService.Core.Policies;

/// <summary>
/// Evaluates requests against the policy in force at the moment of the call. Order: the principal's tenant
/// must be registered and hold a role; any matching deny rule wins; then a matching allow rule is needed;
/// reads are then held to jurisdiction. Nothing matching means denied.
/// </summary>
internal sealed class PolicyDecisionPoint(IPolicySource source) : IPolicyDecisionPoint
{
    private static readonly PolicyRuleSource UnknownTenant = PolicyRuleSource.Engine("unknown-tenant");
    private static readonly PolicyRuleSource NoRole = PolicyRuleSource.Engine("no-role");
    private static readonly PolicyRuleSource TenantIsolation = PolicyRuleSource.Engine("tenant-isolation");
    private static readonly PolicyRuleSource DefaultDeny = PolicyRuleSource.Engine("default-deny");
    private static readonly IReadOnlySet<string> Empty = new HashSet<string>();

    public PolicyDecision Authorize(LogPrincipal principal, PolicyAction action, PolicyResource resource) =>
        Evaluate(source.Current, principal, action, resource).Decision;

    public MaskDecision WriteMaskFor(LogPrincipal principal, PolicyResource stream) => MaskFor(principal, PolicyAction.Write, stream);

    public MaskDecision ReadMaskFor(LogPrincipal principal, PolicyResource stream) => MaskFor(principal, PolicyAction.Read, stream);

    public IReadOnlyDictionary<string, object?> Redact(LogPrincipal principal, PolicyResource stream, IReadOnlyDictionary<string, object?> fields)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fields);
        var policy = source.Current;
        var roles = policy.RolesOf(principal);
        var patterns = policy.Redaction.Where(r => r.Covers(roles, stream)).SelectMany(r => r.Fields).ToList();
        return patterns.Count == 0 ? fields : RedactLevel(fields, prefix: null, patterns);
    }

    private MaskDecision MaskFor(LogPrincipal principal, PolicyAction action, PolicyResource stream)
    {
        var policy = source.Current;
        var (decision, roles) = Evaluate(policy, principal, action, stream);
        if (!decision.Allowed)
        {
            return new MaskDecision(0, decision);
        }

        // The mask is what the roles that earned the access carry, not every role the principal holds.
        var mask = roles.Aggregate(0UL, (m, role) => m | (action == PolicyAction.Write ? policy.Roles[role].WriteMask : policy.Roles[role].ReadMask));
        return new MaskDecision(mask, decision);
    }

    private static (PolicyDecision Decision, IReadOnlySet<string> GrantingRoles) Evaluate(
        PolicySet policy, LogPrincipal principal, PolicyAction action, PolicyResource resource)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(resource);
        if (!policy.Tenants.ContainsKey(principal.Tenant))
        {
            return (PolicyDecision.Deny(UnknownTenant, $"tenant '{principal.Tenant}' is not registered"), Empty);
        }

        var roles = policy.RolesOf(principal);
        if (roles.Count == 0)
        {
            return (PolicyDecision.Deny(NoRole, "the token's scopes grant no role"), Empty);
        }

        AccessRule? allow = null;
        foreach (var rule in policy.Rules)
        {
            if (!rule.Covers(roles, principal.Tenant, action, resource))
            {
                continue;
            }

            if (rule.Effect == RuleEffect.Deny)
            {
                return (PolicyDecision.Deny(rule.Source, $"{Describe(action, resource)} is refused to roles {string.Join(", ", rule.Roles)}"), Empty);
            }

            allow ??= rule;
        }

        if (allow is null)
        {
            return resource.Tenant != principal.Tenant
                ? (PolicyDecision.Deny(TenantIsolation, $"tenant '{principal.Tenant}' may not {action.ToString().ToLowerInvariant()} streams of tenant '{resource.Tenant}'"), Empty)
                : (PolicyDecision.Deny(DefaultDeny, $"no rule allows {Describe(action, resource)} to roles {string.Join(", ", roles.Order(StringComparer.Ordinal))}"), Empty);
        }

        if (action is PolicyAction.Read or PolicyAction.Audit && CheckJurisdiction(policy, principal, resource) is { } refusal)
        {
            return (refusal, Empty);
        }

        var granting = roles.Where(allow.Roles.Contains).ToHashSet(StringComparer.Ordinal);
        return (PolicyDecision.Allow(allow.Source, $"{Describe(action, resource)} is granted to roles {string.Join(", ", granting.Order(StringComparer.Ordinal))}"), granting);
    }

    private static PolicyDecision? CheckJurisdiction(PolicySet policy, LogPrincipal principal, PolicyResource resource)
    {
        var streamRegion = resource.Region ?? policy.Tenants.GetValueOrDefault(resource.Tenant)?.Region;
        foreach (var rule in policy.Jurisdiction.Where(r => r.Covers(resource)))
        {
            var permitted = rule.ReadFrom.Select(r => r == JurisdictionRule.StreamRegion ? streamRegion : r);
            if (principal.Region is null || !permitted.Contains(principal.Region, StringComparer.Ordinal))
            {
                return PolicyDecision.Deny(rule.Source,
                    $"entries of {resource.Tenant}/{resource.Stream} (region {streamRegion ?? "unknown"}) may not be read from region {principal.Region ?? "(none claimed)"}");
            }
        }

        return null;
    }

    private static Dictionary<string, object?> RedactLevel(IReadOnlyDictionary<string, object?> fields, string? prefix, List<GlobPattern> patterns)
    {
        var result = new Dictionary<string, object?>(fields.Count, StringComparer.Ordinal);
        foreach (var (name, value) in fields)
        {
            var path = prefix is null ? name : $"{prefix}.{name}";
            result[name] = patterns.Any(p => p.IsMatch(path)) ? Redaction.Marker
                : value is IReadOnlyDictionary<string, object?> nested ? RedactLevel(nested, path, patterns)
                : value;
        }

        return result;
    }

    private static string Describe(PolicyAction action, PolicyResource resource) =>
        $"{action.ToString().ToLowerInvariant()} on {resource.Tenant}/{resource.Stream}";
}
