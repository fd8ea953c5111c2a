using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace LogService.Console.SignIn;

/// <summary>The issuer's discovery document and signing keys, fetched once and refreshed by the configuration manager.</summary>
internal sealed class IssuerDiscovery(IOptions<ConsoleOptions> options, IHttpClientFactory http)
{
    private readonly ConfigurationManager<OpenIdConnectConfiguration> manager = new(
        options.Value.Authority.TrimEnd('/') + "/.well-known/openid-configuration",
        new OpenIdConnectConfigurationRetriever(),
        new HttpDocumentRetriever(http.CreateClient(nameof(IssuerDiscovery))) { RequireHttps = !options.Value.AllowsHttpIssuer });

    public Task<OpenIdConnectConfiguration> GetAsync(CancellationToken cancellationToken) => manager.GetConfigurationAsync(cancellationToken);

    /// <summary>Forgets the cached keys, so a signature made with a rotated key is retried once with fresh ones.</summary>
    public void Refresh() => manager.RequestRefresh();
}
