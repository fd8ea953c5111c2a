namespace LogService.Storage;

/// <summary>Queries over the clear header fields, for the console and the API. Safe to call from any thread.</summary>
public interface ILogQuery
{
    /// <summary>One page of entries matching the query, in the query's order, with a cursor for the next page.</summary>
    EntryPage Query(EntryQuery query);

    /// <summary>The number of entries matching <paramref name="filter"/>.</summary>
    long Count(EntryFilter filter);

    /// <summary>Entry counts per time bucket and level, buckets aligned to multiples of
    /// <paramref name="bucketMicros"/> since the Unix epoch, ordered by bucket then level; empty cells are left out.</summary>
    IReadOnlyList<HistogramBucket> Histogram(EntryFilter filter, long bucketMicros);
}
