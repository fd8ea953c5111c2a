namespace LogService.Core.Tests.Policies;

/// <summary>A policy directory in the temp folder, removed on dispose.</summary>
internal sealed class TemporaryPolicyDirectory : IDisposable
{
    public const string TwoTenants = """
        version: 1
        masks:
          app: 0
          debug: 1
          audit: 2
        tenants:
          - id: tenant-a
            issuer: https://idp.a.example/
            audience: logservice
            region: eu
          - id: tenant-b
            issuer: https://idp.b.example/
            audience: logservice
            region: us
        roles:
          writer: { scopes: [logs.write], writeMask: [app] }
          reviewer: { scopes: [logs.read], readMask: [app] }
          auditor: { scopes: [logs.audit], readMask: ['*'] }
          operator: { scopes: [operator], readMask: [debug] }
        rules:
          - name: no-writes-to-system
            effect: deny
            roles: [writer, operator]
            actions: [write]
            streams: ['_system/**']
            crossTenant: true
          - name: writers-write-app-streams
            effect: allow
            roles: [writer]
            actions: [write]
            streams: ['app/*', '_system/**']
          - name: reviewers-read
            effect: allow
            roles: [reviewer]
            actions: [read]
            streams: ['**']
          - name: auditors-read-and-audit
            effect: allow
            roles: [auditor]
            actions: [read, audit]
            streams: ['**']
          - name: operators-read-system
            effect: allow
            roles: [operator]
            actions: [read]
            streams: ['_system/**']
            crossTenant: true
        jurisdiction:
          - name: eu-stays-in-eu
            tenants: [tenant-a]
            streams: ['**']
            readFrom: [$stream]
        redaction:
          - name: hide-personal-data
            fields: [email, 'user.*']
            exemptRoles: [auditor]
        quotas:
          - name: a-limits
            tenant: tenant-a
            entriesPerSecond: 10
            burst: 20
        """;

    public TemporaryPolicyDirectory(string content = TwoTenants, string fileName = "main.policy.yaml")
    {
        Path = Directory.CreateTempSubdirectory("logservice-policies-").FullName;
        Write(fileName, content);
    }

    public string Path { get; }

    public void Write(string fileName, string content) => File.WriteAllText(System.IO.Path.Combine(Path, fileName), content);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
