using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace LogService.Server.Identity;

/// <summary>The embedded local client-credentials issuer. Bound from <c>LogService:LocalIssuer</c>.</summary>
public sealed class LocalIssuerOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "LogService:LocalIssuer";

    /// <summary>
    /// The issuer URL put into tokens and the discovery document; it must be registered as a tenant's issuer in
    /// the policy's tenant registry. Default: <see langword="null"/>, meaning the host's first listening address.
    /// </summary>
    [Url]
    public string? Issuer { get; set; }

    /// <summary>Where the ES256 signing key is kept across restarts. Default: <c>.data/local-issuer</c>.</summary>
    [Required]
    public string DataDirectory { get; set; } = ".data/local-issuer";

    /// <summary>Lifetime of issued access tokens. Default: 10 minutes; from 30 s to 15 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:30", "00:15:00")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>Checks <see cref="LocalIssuerOptions"/> at startup.</summary>
[OptionsValidator]
internal sealed partial class LocalIssuerOptionsValidator : IValidateOptions<LocalIssuerOptions>;
