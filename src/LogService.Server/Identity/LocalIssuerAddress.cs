using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace LogService.Server.Identity;

/// <summary>The local issuer's URL: configured, or else the host's first listening address once it is bound.</summary>
internal sealed class LocalIssuerAddress(IOptions<LocalIssuerOptions> options, IServer server)
{
    private string? resolved;

    public string Issuer => resolved ??= options.Value.Issuer ?? FromServer();

    private string FromServer()
    {
        // Read after start, so a port chosen by the OS (":0") is already known; never from the request's Host header.
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var first = addresses.FirstOrDefault()
            ?? throw new InvalidOperationException($"the host has no listening address; set {LocalIssuerOptions.Section}:Issuer");
        return first.TrimEnd('/');
    }
}
