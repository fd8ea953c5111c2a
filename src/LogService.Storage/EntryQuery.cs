namespace LogService.Storage;

/// <summary>Filters over the clear header fields. Unset fields do not filter.</summary>
public sealed record EntryFilter
{
    /// <summary>Only this tenant's entries.</summary>
    public string? Tenant { get; init; }

    /// <summary>Only this stream's entries.</summary>
    public string? StreamId { get; init; }

    /// <summary>Only entries at or after this consensus time (Unix microseconds).</summary>
    public long? FromMicros { get; init; }

    /// <summary>Only entries before this consensus time (Unix microseconds, exclusive).</summary>
    public long? ToMicros { get; init; }

    /// <summary>Only entries at this level or above (Serilog numbering).</summary>
    public byte? MinLevel { get; init; }

    /// <summary>Only entries from this source cloud.</summary>
    public string? SourceCloud { get; init; }

    /// <summary>Only entries from this source node.</summary>
    public string? SourceNode { get; init; }

    /// <summary>Only entries written by this source user.</summary>
    public string? SourceUser { get; init; }

    /// <summary>Only entries of this event type.</summary>
    public string? EventType { get; init; }

    /// <summary>The reader's mask M: only entries whose permission mask W has <c>(W &amp; M) != 0</c>.</summary>
    public ulong? ReaderMask { get; init; }
}

/// <summary>The order of a query's pages.</summary>
public enum PageOrder
{
    /// <summary>Latest consensus time first (the console's default).</summary>
    NewestFirst,

    /// <summary>Earliest consensus time first.</summary>
    OldestFirst,
}

/// <summary>A paged query.</summary>
public sealed record EntryQuery
{
    /// <summary>The largest page a query may ask for.</summary>
    public const int MaxPageSize = 10_000;

    /// <summary>The filter; default: everything.</summary>
    public EntryFilter Filter { get; init; } = new();

    /// <summary>Page order; default <see cref="PageOrder.NewestFirst"/>.</summary>
    public PageOrder Order { get; init; } = PageOrder.NewestFirst;

    /// <summary>Entries per page, 1 to <see cref="MaxPageSize"/>; default 100.</summary>
    public int PageSize { get; init; } = 100;

    /// <summary>The <see cref="EntryPage.NextCursor"/> of the previous page, or null for the first page.</summary>
    public string? Cursor { get; init; }
}

/// <summary>One page of query results.</summary>
/// <param name="Entries">The entries, in the query's order.</param>
/// <param name="NextCursor">Pass as <see cref="EntryQuery.Cursor"/> to get the next page; null after the last page.</param>
public sealed record EntryPage(IReadOnlyList<EntryRecord> Entries, string? NextCursor);

/// <summary>One histogram cell: how many entries of one level fall into one time bucket.</summary>
/// <param name="BucketStartMicros">The bucket's start, Unix microseconds.</param>
/// <param name="Level">The level.</param>
/// <param name="Count">The number of matching entries.</param>
public sealed record HistogramBucket(long BucketStartMicros, byte Level, long Count);
