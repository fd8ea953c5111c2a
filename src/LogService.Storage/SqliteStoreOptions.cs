namespace LogService.Storage;

/// <summary>Settings of the embedded SQLite store.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>The database file; its directory must exist. Required, no default.</summary>
    public string Path { get; set; } = "";

    /// <summary>Commit durability; default <see cref="SyncPolicy.Full"/>.</summary>
    public SyncPolicy Sync { get; set; } = SyncPolicy.Full;

    /// <summary>
    /// Run SQLite's <c>quick_check</c> when opening, so a damaged file is refused before the replica runs on it.
    /// Costs one read of the file at start; default true.
    /// </summary>
    public bool CheckIntegrityOnOpen { get; set; } = true;

    /// <summary>Entries per retention segment: retention removes whole segments only; default 4,096.</summary>
    public int SegmentEntries { get; set; } = 4096;

    /// <summary>Page cache of the writer connection in MiB; default 64.</summary>
    public int WriterCacheMiB { get; set; } = 64;

    /// <summary>Throws <see cref="ArgumentException"/> when a setting is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            throw new ArgumentException("SqliteStoreOptions.Path must name the database file.", nameof(Path));
        }

        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (directory is null || !Directory.Exists(directory))
        {
            throw new ArgumentException($"The directory of the database file '{Path}' does not exist.", nameof(Path));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(SegmentEntries, 1, nameof(SegmentEntries));
        ArgumentOutOfRangeException.ThrowIfLessThan(WriterCacheMiB, 1, nameof(WriterCacheMiB));
        if (!Enum.IsDefined(Sync))
        {
            throw new ArgumentException($"Unknown sync policy {Sync}.", nameof(Sync));
        }
    }
}
