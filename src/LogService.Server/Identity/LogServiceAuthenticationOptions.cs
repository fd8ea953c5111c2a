using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace LogService.Server.Identity;

/// <summary>How tenant access tokens are validated and read. Bound from <c>LogService:Authentication</c>.</summary>
public sealed class LogServiceAuthenticationOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "LogService:Authentication";

    /// <summary>Allowed difference between the issuer's clock and ours. Default: 30 s; at most 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Signature algorithms accepted on access tokens. Default (when unset): RS256, RS384, RS512, PS256, PS384,
    /// PS512, ES256, ES384, ES512. Only these asymmetric algorithms may be listed: a shared secret would let any
    /// holder mint tokens, and <c>none</c> would let anyone.
    /// </summary>
    public string[]? AllowedAlgorithms { get; set; }

    /// <summary>The claim naming the caller's cloud. Default: <c>cloud</c>.</summary>
    [Required]
    public string CloudClaim { get; set; } = "cloud";

    /// <summary>The claim naming the caller's node. Default: <c>node</c>.</summary>
    [Required]
    public string NodeClaim { get; set; } = "node";

    /// <summary>The claim naming the caller (user or client). Default: <c>sub</c>.</summary>
    [Required]
    public string UserClaim { get; set; } = "sub";

    /// <summary>The claim naming the region the caller reads from. Default: <c>region</c>.</summary>
    [Required]
    public string RegionClaim { get; set; } = "region";

    internal static readonly string[] AsymmetricAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

    internal string[] EffectiveAlgorithms => AllowedAlgorithms is { Length: > 0 } listed ? listed : AsymmetricAlgorithms;

    internal bool HasOnlyAsymmetricAlgorithms() => EffectiveAlgorithms.All(a => AsymmetricAlgorithms.Contains(a, StringComparer.Ordinal));
}

/// <summary>Checks <see cref="LogServiceAuthenticationOptions"/> at startup.</summary>
[OptionsValidator]
internal sealed partial class LogServiceAuthenticationOptionsValidator : IValidateOptions<LogServiceAuthenticationOptions>;
