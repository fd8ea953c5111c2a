namespace LogService.Core.Policies;

/// <summary>A role and the scopes that grant it, with its permission masks.</summary>
internal sealed record RoleDefinition(string Name, IReadOnlySet<string> Scopes, ulong ReadMask, ulong WriteMask, PolicyRuleSource Source);

/// <summary>Whether a matching access rule grants or refuses.</summary>
internal enum RuleEffect
{
    Allow,
    Deny,
}

/// <summary>
/// An allow or deny rule over roles, actions and stream patterns. <c>Tenants</c> limits it to streams of the named
/// tenants (<see langword="null"/>: any); <c>CrossTenant</c> lets it reach streams of tenants other than the principal's.
/// </summary>
internal sealed record AccessRule(
    PolicyRuleSource Source,
    RuleEffect Effect,
    IReadOnlySet<string> Roles,
    IReadOnlySet<PolicyAction> Actions,
    IReadOnlyList<GlobPattern> Streams,
    IReadOnlySet<string>? Tenants,
    bool CrossTenant)
{
    public bool Covers(IReadOnlySet<string> principalRoles, string principalTenant, PolicyAction action, PolicyResource resource) =>
        Actions.Contains(action)
        && Roles.Overlaps(principalRoles)
        && (CrossTenant || resource.Tenant == principalTenant)
        && (Tenants is null || Tenants.Contains(resource.Tenant))
        && Streams.Any(p => p.IsMatch(StreamPatterns.Subject(resource)));
}

/// <summary>Which reader regions may read the matching streams; <see cref="StreamRegion"/> stands for the stream's own.</summary>
internal sealed record JurisdictionRule(
    PolicyRuleSource Source,
    IReadOnlyList<GlobPattern> Streams,
    IReadOnlySet<string>? Tenants,
    IReadOnlySet<string> ReadFrom)
{
    public const string StreamRegion = "$stream";

    public bool Covers(PolicyResource resource) =>
        (Tenants is null || Tenants.Contains(resource.Tenant)) && Streams.Any(p => p.IsMatch(StreamPatterns.Subject(resource)));
}

/// <summary>Fields hidden from every reader of the matching streams who holds none of the exempt roles.</summary>
internal sealed record RedactionRule(
    PolicyRuleSource Source,
    IReadOnlyList<GlobPattern> Streams,
    IReadOnlySet<string>? Tenants,
    IReadOnlyList<GlobPattern> Fields,
    IReadOnlySet<string> ExemptRoles)
{
    public bool Covers(IReadOnlySet<string> principalRoles, PolicyResource resource) =>
        !ExemptRoles.Overlaps(principalRoles)
        && (Tenants is null || Tenants.Contains(resource.Tenant))
        && Streams.Any(p => p.IsMatch(StreamPatterns.Subject(resource)));
}

/// <summary>What a rule's stream patterns are matched against.</summary>
internal static class StreamPatterns
{
    /// <summary>
    /// A tenant's stream by its name (<c>app</c>); a stream of the deployment's own reserved tenants (<c>_system</c>)
    /// by its full id (<c>_system/bft</c>), the way policy files name them: no tenant of callers is called <c>_…</c>, so
    /// a pattern such as <c>_system/**</c> reaches the deployment's streams and nothing of any tenant.
    /// </summary>
    public static string Subject(PolicyResource resource) =>
        resource.Tenant.StartsWith('_') ? $"{resource.Tenant}/{resource.Stream}" : resource.Stream;
}
