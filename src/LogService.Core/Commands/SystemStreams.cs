namespace LogService.Core.Commands;

/// <summary>
/// The streams the service writes itself: <c>_system/bft</c> (the captured replication protocol) and
/// <c>{tenant}/_audit</c> (every read of the tenant's entries and every denial). A stream is reserved when its tenant
/// or its name starts with '_'; the Log Core appends to a reserved stream only for the service's own writer identity
/// (<see cref="ServiceCloud"/>), and such appends are exempt from tenant quotas so nothing that must be recorded is refused.
/// </summary>
public static class SystemStreams
{
    /// <summary>The cloud name that marks the service's own writes. Front ends must never map a caller's claims to it.</summary>
    public const string ServiceCloud = "logservice";

    /// <summary>The audit stream name within each tenant.</summary>
    public const string AuditName = "_audit";

    /// <summary>The audit stream of <paramref name="tenant"/>.</summary>
    public static string Audit(string tenant) => StreamIds.Compose(tenant, AuditName);

    /// <summary>True when the stream's tenant or name starts with '_'.</summary>
    public static bool IsReserved(string streamId)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        var slash = streamId.IndexOf('/', StringComparison.Ordinal);
        return streamId.StartsWith('_') || (slash >= 0 && slash + 1 < streamId.Length && streamId[slash + 1] == '_');
    }

    /// <summary>The writer identity of the service's own appends (audit, capture) on behalf of <paramref name="tenant"/>.</summary>
    /// <param name="tenant">The stream's tenant (<c>_system</c> for the capture).</param>
    /// <param name="node">The writing replica, e.g. <c>replica-2</c>.</param>
    /// <param name="component">What writes, e.g. <c>audit</c> or <c>bft-capture</c>.</param>
    public static WriterIdentity ServiceWriter(string tenant, string node, string component) => new(tenant, ServiceCloud, node, component);
}
