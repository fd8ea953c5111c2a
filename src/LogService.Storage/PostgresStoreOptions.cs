namespace LogService.Storage;

/// <summary>Settings of the PostgreSQL store (one database per replica).</summary>
public sealed class PostgresStoreOptions
{
    /// <summary>An Npgsql connection string naming the replica's database. Required, no default.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Commit durability; default <see cref="SyncPolicy.Full"/>.</summary>
    public SyncPolicy Sync { get; set; } = SyncPolicy.Full;

    /// <summary>Entries per retention segment: retention removes whole segments only; default 4,096.</summary>
    public int SegmentEntries { get; set; } = 4096;

    /// <summary>Throws <see cref="ArgumentException"/> when a setting is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("PostgresStoreOptions.ConnectionString is required.", nameof(ConnectionString));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(SegmentEntries, 1, nameof(SegmentEntries));
        if (!Enum.IsDefined(Sync))
        {
            throw new ArgumentException($"Unknown sync policy {Sync}.", nameof(Sync));
        }
    }
}
