namespace LogService.Core.Policies;

/// <summary>A tenant cloud subscribed to the service, as written in the tenant registry.</summary>
/// <param name="Id">The tenant id; stream names are scoped by it.</param>
/// <param name="Issuer">The tenant's OAuth issuer URL; it must equal the <c>iss</c> of the tenant's tokens exactly.</param>
/// <param name="Audience">The audience the tenant's tokens must name for this service.</param>
/// <param name="Region">The tenant's home region; a stream's region defaults to it.</param>
/// <param name="Source">Where the registration is written.</param>
public sealed record TenantRegistration(string Id, Uri Issuer, string Audience, string Region, PolicyRuleSource Source);

/// <summary>A client of the embedded local issuer (OAuth 2.0 client credentials).</summary>
/// <param name="ClientId">The client id.</param>
/// <param name="SecretHash">The client secret's hash, in the format of <see cref="ClientSecretHash"/>.</param>
/// <param name="Tenant">The tenant the client belongs to; its tokens carry that tenant's audience.</param>
/// <param name="Scopes">The scopes the client may request.</param>
/// <param name="Source">Where the client is written.</param>
public sealed record LocalClientRegistration(
    string ClientId,
    string SecretHash,
    string Tenant,
    IReadOnlySet<string> Scopes,
    PolicyRuleSource Source);
