namespace LogService.Testing;

/// <summary>A tenant of a <see cref="LocalCluster"/>: its id and region. Each tenant gets its own local issuer process.</summary>
/// <param name="Id">The tenant id (1-64 of a-z 0-9 . _ -).</param>
/// <param name="Region">Its home region.</param>
public sealed record TestTenant(string Id, string Region = "eu");

/// <summary>A client of a tenant's local issuer (OAuth client credentials).</summary>
/// <param name="Id">The client id.</param>
/// <param name="Secret">The client secret.</param>
/// <param name="Tenant">The tenant it belongs to.</param>
/// <param name="Scopes">The scopes it may request, e.g. <c>logs.write</c>.</param>
public sealed record TestClient(string Id, string Secret, string Tenant, IReadOnlyList<string> Scopes);
