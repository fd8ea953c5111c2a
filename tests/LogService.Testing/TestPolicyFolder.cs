using System.Globalization;
using System.Text;
using LogService.Core.Policies;

namespace LogService.Testing;

/// <summary>
/// Writes a cluster's policy folder: the tenant registry (one local issuer per tenant) with its clients, the standard
/// roles and rules (as the repository's <c>policies/access.policy.yaml</c>, without jurisdiction rules, so a tenant
/// region never decides a test that is not about it), and optional quotas.
/// </summary>
internal static class TestPolicyFolder
{
    private const string Access = """
        version: 1
        description: Roles and access rules of a test deployment.
        masks: { app: 0, debug: 1, security: 2, audit: 3 }
        roles:
          writer: { scopes: [logs.write], writeMask: [app] }
          reviewer: { scopes: [logs.read], readMask: [app] }
          auditor: { scopes: [logs.audit], readMask: ['*'] }
          tenant-admin: { scopes: [tenant.admin], readMask: [app, security] }
          operator: { scopes: [operator], readMask: [app, debug] }
        rules:
          - name: system-streams-are-written-by-the-service-only
            effect: deny
            roles: [writer, reviewer, auditor, tenant-admin, operator]
            actions: [write]
            streams: ['_system/**']
            crossTenant: true
          - name: writers-write-own-streams
            effect: allow
            roles: [writer]
            actions: [write]
            streams: ['**']
          - name: reviewers-read-own-streams
            effect: allow
            roles: [reviewer, tenant-admin]
            actions: [read]
            streams: ['**']
          - name: auditors-verify-own-streams
            effect: allow
            roles: [auditor]
            actions: [read, audit]
            streams: ['**']
          - name: tenant-admins-administer-own-tenant
            effect: allow
            roles: [tenant-admin]
            actions: [administer]
            streams: ['**']
          - name: operators-read-system-streams
            effect: allow
            roles: [operator]
            actions: [read, operate]
            streams: ['_system/**']
            crossTenant: true
        redaction:
          - name: secrets-are-hidden-from-everyone
            fields: ['**password', '**secret', '**.token', authorization]

        """;

    public static void Write(string folder, IReadOnlyList<TestTenant> tenants, IReadOnlyDictionary<string, Uri> issuers, IReadOnlyList<TestClient> clients, (long EntriesPerSecond, long Burst)? quota)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "access.policy.yaml"), Access);
        var registry = new StringBuilder("version: 1\ndescription: Tenants and local-issuer clients of a test deployment.\ntenants:\n");
        foreach (var tenant in tenants)
        {
            registry.Append(CultureInfo.InvariantCulture, $"  - id: {tenant.Id}\n    issuer: {issuers[tenant.Id].ToString().TrimEnd('/')}\n    audience: {LocalClusterOptions.Audience}\n    region: {tenant.Region}\n");
        }

        registry.Append("clients:\n");
        foreach (var client in clients)
        {
            registry.Append(CultureInfo.InvariantCulture, $"  - id: {client.Id}\n    tenant: {client.Tenant}\n    secretHash: {ClientSecretHash.Create(client.Secret)}\n    scopes: [{string.Join(", ", client.Scopes)}]\n");
        }

        File.WriteAllText(Path.Combine(folder, "tenants.policy.yaml"), registry.ToString());
        if (quota is { } q)
        {
            File.WriteAllText(Path.Combine(folder, "quotas.policy.yaml"), string.Create(CultureInfo.InvariantCulture,
                $"version: 1\nquotas:\n  - name: test-limits\n    tenant: '*'\n    entriesPerSecond: {q.EntriesPerSecond}\n    burst: {q.Burst}\n"));
        }
    }
}
