using System.ComponentModel.DataAnnotations;

namespace LogService.Server.Reading;

/// <summary>How this replica serves reads and, when it hosts it, the key service T. Bound from <c>LogService:Reading</c>.</summary>
public sealed class ReadOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "LogService:Reading";

    /// <summary>True on the replica that hosts the key service T (it keeps the stream secrets). Default: false.</summary>
    public bool HostsKeyService { get; set; }

    /// <summary>Where T keeps the stream secrets, encrypted at rest. Default: <c>.data/key-service</c>.</summary>
    [Required]
    public string KeyServiceDirectory { get; set; } = ".data/key-service";

    /// <summary>
    /// The base URL of the replica that hosts T, when this one does not: bodies are decrypted with keys fetched
    /// there under the caller's own token. Default: none (bodies stay encrypted, entries are unverifiable).
    /// </summary>
    [Url]
    public string? KeyServiceUrl { get; set; }

    /// <summary>Most stored entries one query request examines before it returns a short page with a cursor. Default: 5,000.</summary>
    [Range(100, 1_000_000)]
    public int MaxScannedPerQuery { get; set; } = 5_000;

    /// <summary>Audit records waiting to be written before new ones are dropped (and counted). Default: 10,000.</summary>
    [Range(1, 1_000_000)]
    public int AuditQueueCapacity { get; set; } = 10_000;
}
