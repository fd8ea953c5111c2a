using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace LogService.Console;

/// <summary>Where the console signs reviewers in and which Log Core API it reads. Bound from <c>Console</c>.</summary>
public sealed class ConsoleOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "Console";

    /// <summary>The tenant's OpenID issuer; its discovery document names the authorize and token endpoints. Default: the local issuer on <c>http://127.0.0.1:5080</c>.</summary>
    [Required]
    [Url]
    public string Authority { get; set; } = "http://127.0.0.1:5080";

    /// <summary>The console's public client id at the issuer; there is no client secret (PKCE). Default: <c>logservice-console</c>.</summary>
    [Required]
    public string ClientId { get; set; } = "logservice-console";

    /// <summary>Scopes to request. Default: <c>openid logs.read logs.audit operator</c>; the issuer grants the ones the reviewer holds.</summary>
    [Required]
    public string Scope { get; set; } = "openid logs.read logs.audit operator";

    /// <summary>The resource indicator (RFC 8707) to request, for issuers that need one; <see langword="null"/> to send none. Default: <see langword="null"/>.</summary>
    public string? Resource { get; set; }

    /// <summary>The Log Core replicas' base URLs, tried in order: a request that cannot reach one goes to the next. Default (when none is configured): the local deployment's four replicas, <c>http://127.0.0.1:5081</c> to <c>:5084</c>.</summary>
    public IList<string> ApiUrls { get; set; } = [];

    // Configuration binding appends to a list's initial items, so the default is applied here, not as an initial item.
    internal IReadOnlyList<string> Replicas => ApiUrls.Count > 0 ? [.. ApiUrls] : [.. Enumerable.Range(5081, 4).Select(port => $"http://127.0.0.1:{port}")];

    /// <summary>Whether the issuer may be plain http; only for loopback development issuers. Default: <see langword="true"/> for loopback authorities.</summary>
    internal bool AllowsHttpIssuer => new Uri(Authority).IsLoopback;
}

/// <summary>Checks <see cref="ConsoleOptions"/> at startup.</summary>
[OptionsValidator]
internal sealed partial class ConsoleOptionsValidator : IValidateOptions<ConsoleOptions>;
