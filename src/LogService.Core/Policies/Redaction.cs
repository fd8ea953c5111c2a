namespace LogService.Core.Policies;

/// <summary>Constants of field redaction.</summary>
public static class Redaction
{
    /// <summary>The value that stands in for a hidden field, so a reader sees that something was withheld.</summary>
    public const string Marker = "[redacted]";
}
