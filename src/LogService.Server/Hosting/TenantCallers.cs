using LogService.Server.Identity;

namespace LogService.Server.Hosting;

/// <summary>Endpoint conventions shared by the API parts.</summary>
public static class TenantCallers
{
    /// <summary>Requires a caller authenticated by a registered tenant issuer (any scope); others get a 401 problem.</summary>
    /// <typeparam name="TBuilder">An endpoint or route group builder.</typeparam>
    /// <param name="builder">The endpoint(s).</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static TBuilder RequireTenantCaller<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(p => p.AddAuthenticationSchemes(LogServiceAuthentication.Scheme).RequireAuthenticatedUser());
}
