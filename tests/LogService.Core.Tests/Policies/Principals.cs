using LogService.Core.Policies;

namespace LogService.Core.Tests.Policies;

internal static class Principals
{
    public static LogPrincipal Of(string tenant, string? region, params string[] scopes) =>
        new(tenant, Cloud: null, Node: "node-1", User: "client-1", scopes.ToHashSet(), region);
}
