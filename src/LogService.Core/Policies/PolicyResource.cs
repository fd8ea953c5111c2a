namespace LogService.Core.Policies;

/// <summary>The stream a request concerns.</summary>
/// <param name="Tenant">The tenant that owns the stream.</param>
/// <param name="Stream">The stream name within the tenant, e.g. <c>app/orders</c>.</param>
/// <param name="Region">
/// The region the stream's entries belong to; <see langword="null"/> means the owning tenant's registered region.
/// </param>
public sealed record PolicyResource(string Tenant, string Stream, string? Region = null);
