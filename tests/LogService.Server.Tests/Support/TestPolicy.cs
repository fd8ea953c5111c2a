using LogService.Core.Policies;

namespace LogService.Server.Tests.Support;

/// <summary>A policy directory for identity tests: the given tenants, the standard roles, and local clients.</summary>
internal sealed class TestPolicy : IDisposable
{
    public const string Audience = "https://logservice.test";

    public TestPolicy() => Directory = System.IO.Directory.CreateTempSubdirectory("logservice-identity-").FullName;

    public string Directory { get; }

    public static string Tenant(string id, string issuer, string region = "eu") =>
        $"  - id: {id}\n    issuer: {issuer}\n    audience: {Audience}\n    region: {region}\n";

    public static string Client(string id, string secret, string tenant, string scopes) =>
        $"  - id: {id}\n    secretHash: {ClientSecretHash.Create(secret)}\n    tenant: {tenant}\n    scopes: [{scopes}]\n";

    public void Write(IEnumerable<string> tenants, IEnumerable<string>? clients = null)
    {
        var clientList = clients?.ToList() ?? [];
        var text = "version: 1\n"
            + "roles:\n"
            + "  writer: { scopes: [logs.write] }\n"
            + "  reviewer: { scopes: [logs.read] }\n"
            + "  auditor: { scopes: [logs.audit] }\n"
            + "tenants:\n" + string.Concat(tenants)
            + (clientList.Count > 0 ? "clients:\n" + string.Concat(clientList) : string.Empty);

        // Write then rename, as an editor's atomic save does, so a watcher never reads half a file.
        var temp = Path.Combine(Directory, "identity.tmp");
        File.WriteAllText(temp, text);
        File.Move(temp, Path.Combine(Directory, "identity.policy.yaml"), overwrite: true);
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
