namespace LogService.Core.Policies;

/// <summary>
/// An authenticated caller as the policy sees it. The tenant comes from the token's issuer, never from a claim
/// inside the token; cloud, node, user and region come from the token's claims.
/// </summary>
/// <param name="Tenant">The tenant whose registered issuer signed the caller's token.</param>
/// <param name="Cloud">The tenant cloud the caller says it runs in, if the token names one.</param>
/// <param name="Node">The node (host, component) the caller runs on, if the token names one.</param>
/// <param name="User">The subject: a user or, for client credentials, the client.</param>
/// <param name="Scopes">The OAuth scopes the token grants.</param>
/// <param name="Region">The region the caller reads from, if the token carries a region claim.</param>
public sealed record LogPrincipal(
    string Tenant,
    string? Cloud,
    string? Node,
    string User,
    IReadOnlySet<string> Scopes,
    string? Region);
