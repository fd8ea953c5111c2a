namespace LogService.Server.Identity;

/// <summary>The OAuth scopes LogService understands.</summary>
public static class LogScopes
{
    /// <summary>Append entries to streams.</summary>
    public const string Write = "logs.write";

    /// <summary>Query entries.</summary>
    public const string Read = "logs.read";

    /// <summary>Verify streams.</summary>
    public const string Audit = "logs.audit";

    /// <summary>Administer a tenant's streams and grants.</summary>
    public const string TenantAdmin = "tenant.admin";

    /// <summary>Operate the deployment.</summary>
    public const string Operator = "operator";

    /// <summary>Every scope above.</summary>
    public static IReadOnlyList<string> All { get; } = [Write, Read, Audit, TenantAdmin, Operator];

    /// <summary>The name of the authorization policy that requires <paramref name="scope"/>.</summary>
    /// <param name="scope">One of the scopes above.</param>
    /// <returns>The policy name.</returns>
    public static string PolicyName(string scope) => "scope:" + scope;
}
