using LogService.Core.Policies;

namespace LogService.Server.Reading;

/// <summary>A caller's access to one stream: the decision and, for reads, the mask M it reads with.</summary>
internal sealed record StreamGrant(string StreamId, string Tenant, string Name, PolicyDecision Decision, ulong ReadMask)
{
    public bool Allowed => Decision.Allowed;
}

/// <summary>Authorizes every read against the policy and records each one, and each denial, in the audit trail.</summary>
internal sealed class ReadAccess(IPolicyDecisionPoint policy, ReadAuditTrail audit)
{
    /// <summary>Decides and records a denial; the caller records the read itself once it knows what it returned.</summary>
    public StreamGrant Check(LogPrincipal caller, PolicyAction action, string tenant, string name, string operation)
    {
        var grant = action == PolicyAction.Read
            ? Peek(caller, tenant, name)
            : new StreamGrant($"{tenant}/{name}", tenant, name, policy.Authorize(caller, action, new PolicyResource(tenant, name)), 0);
        if (!grant.Allowed)
        {
            audit.Record(caller, tenant, operation, grant.StreamId, grant.Decision, grant.Decision.Reason);
        }

        return grant;
    }

    /// <summary>A grant used without recording a denial (streams left out of an unscoped query are not refusals).</summary>
    public StreamGrant Peek(LogPrincipal caller, string tenant, string name)
    {
        var mask = policy.ReadMaskFor(caller, new PolicyResource(tenant, name));
        return new StreamGrant($"{tenant}/{name}", tenant, name, mask.Decision, mask.Mask);
    }

    public void Recorded(LogPrincipal caller, StreamGrant grant, string operation, string detail) =>
        audit.Record(caller, grant.Tenant, operation, grant.StreamId, grant.Decision, detail);

    public IReadOnlyDictionary<string, object?> Redact(LogPrincipal caller, StreamGrant grant, IReadOnlyDictionary<string, object?> fields) =>
        policy.Redact(caller, new PolicyResource(grant.Tenant, grant.Name), fields);
}
