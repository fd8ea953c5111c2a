using System.ComponentModel.DataAnnotations;

namespace LogService.Core.Policies;

/// <summary>Where the policy files are and how their changes are picked up. Bound from <c>LogService:Policies</c>.</summary>
public sealed class PolicyOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "LogService:Policies";

    /// <summary>The directory holding the <c>*.policy.yaml</c> files. Default: <c>policies</c>, relative to the working directory.</summary>
    [Required]
    public string Directory { get; set; } = "policies";

    /// <summary>
    /// How long the files must be quiet before a change is loaded, so an editor's several writes count as one.
    /// Default: 300 ms; at most 10 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan ReloadDebounce { get; set; } = TimeSpan.FromMilliseconds(300);
}
