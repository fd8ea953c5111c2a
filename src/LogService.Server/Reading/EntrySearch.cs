using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LogService.Core.Policies;
using LogService.Storage;
using Microsoft.Extensions.Options;

namespace LogService.Server.Reading;

/// <summary>
/// Query, count and histogram over the streams a caller may read. Header filters run in storage; free-text and
/// property filters run on the decrypted, redacted bodies, paging through storage until the page is full or a
/// bounded number of entries was examined (then the page comes back short, with a cursor to continue).
/// </summary>
internal sealed class EntrySearch(ILogStore store, ReadAccess access, EntryPresenter presenter, IOptions<ReadOptions> options)
{
    public async Task<IResult> QueryAsync(HttpContext context, LogPrincipal caller, EntrySearchRequest request, CancellationToken cancellationToken)
    {
        var (grants, denied) = Resolve(caller, request, "query");
        if (denied is not null)
        {
            return denied;
        }

        var results = new List<PresentedEntry>(request.Limit);
        string? next = null;
        if (grants.Count > 0)
        {
            var filter = StorageFilter(request, grants);
            var postFiltered = request.NeedsBodies || filter.StreamId is null;
            var cursor = request.Cursor;
            var scanned = 0;
            while (true)
            {
                var remaining = request.Limit - results.Count;
                var query = new EntryQuery { Filter = filter, Order = request.Order, Cursor = cursor, PageSize = postFiltered ? Math.Clamp(remaining * 4, 100, 1000) : remaining };
                EntryPage page;
                try
                {
                    page = store.Query(query);
                }
                catch (ArgumentException)
                {
                    return ReadProblems.BadRequest("cursor", "the cursor is not one this service issued");
                }

                var members = page.Entries.Where(e => grants.ContainsKey(e.StreamId)).ToList();
                var presented = await presenter.PresentAsync(context, caller, members, grants, cancellationToken);
                var stoppedAt = -1;
                for (int i = 0, m = 0; i < page.Entries.Count; i++)
                {
                    if (!grants.ContainsKey(page.Entries[i].StreamId))
                    {
                        continue;
                    }

                    var entry = presented[m++];
                    if (request.Matches(entry))
                    {
                        results.Add(entry);
                        if (results.Count == request.Limit)
                        {
                            stoppedAt = i;
                            break;
                        }
                    }
                }

                scanned += page.Entries.Count;
                if (stoppedAt >= 0)
                {
                    // The page filled inside a storage page: continue right after the last entry returned.
                    next = stoppedAt == page.Entries.Count - 1 ? page.NextCursor : store.Query(query with { PageSize = stoppedAt + 1 }).NextCursor;
                    break;
                }

                cursor = page.NextCursor;
                if (cursor is null || scanned >= options.Value.MaxScannedPerQuery)
                {
                    next = cursor;
                    break;
                }
            }
        }

        foreach (var grant in grants.Values)
        {
            var count = results.Count(r => r.Record.StreamId == grant.StreamId);
            access.Recorded(caller, grant, "query", string.Create(CultureInfo.InvariantCulture, $"{count} entries returned, {results.Count(r => r.Record.StreamId == grant.StreamId && r.Body is not null)} with body"));
        }

        return new PageResult(results, next);
    }

    public IResult Count(LogPrincipal caller, EntrySearchRequest request)
    {
        var (grants, denied) = ResolveForAggregate(caller, request, "count");
        if (denied is not null)
        {
            return denied;
        }

        var count = grants.Values.Sum(g => store.Count(request.Headers with { StreamId = g.StreamId }));
        foreach (var grant in grants.Values)
        {
            access.Recorded(caller, grant, "count", "count returned");
        }

        return TypedResults.Json(new JsonObject { ["count"] = count });
    }

    public IResult Histogram(LogPrincipal caller, EntrySearchRequest request)
    {
        var (grants, denied) = ResolveForAggregate(caller, request, "histogram");
        if (denied is not null)
        {
            return denied;
        }

        var bucket = request.BucketMicros ?? 3_600_000_000L;
        var cells = grants.Values
            .SelectMany(g => store.Histogram(request.Headers with { StreamId = g.StreamId }, bucket))
            .GroupBy(c => (c.BucketStartMicros, c.Level))
            .OrderBy(g => g.Key.BucketStartMicros).ThenBy(g => g.Key.Level)
            .Select(g => (JsonNode)new JsonObject
            {
                ["start"] = ReadFormats.Timestamp(g.Key.BucketStartMicros),
                ["level"] = ReadFormats.Level(g.Key.Level),
                ["count"] = g.Sum(c => c.Count),
            });
        var buckets = new JsonArray([.. cells]);
        foreach (var grant in grants.Values)
        {
            access.Recorded(caller, grant, "histogram", "histogram returned");
        }

        return TypedResults.Json(new JsonObject { ["buckets"] = buckets });
    }

    private (Dictionary<string, StreamGrant> Grants, IResult? Denied) ResolveForAggregate(LogPrincipal caller, EntrySearchRequest request, string operation) =>
        request.NeedsBodies
            ? ([], ReadProblems.BadRequest("filter", $"text and property filters need decrypted bodies and apply to queries only, not to {operation}"))
            : Resolve(caller, request, operation);

    /// <summary>The streams asked for (each must be allowed), or every stream the caller may read.</summary>
    private (Dictionary<string, StreamGrant> Grants, IResult? Denied) Resolve(LogPrincipal caller, EntrySearchRequest request, string operation)
    {
        var grants = new Dictionary<string, StreamGrant>(StringComparer.Ordinal);
        if (request.Streams is { } streams)
        {
            foreach (var (tenant, name) in streams)
            {
                var grant = access.Check(caller, PolicyAction.Read, tenant, name, operation);
                if (!grant.Allowed)
                {
                    return ([], ReadProblems.Denied(grant.Decision));
                }

                grants[grant.StreamId] = grant;
            }

            return (grants, null);
        }

        foreach (var head in store.GetHeads())
        {
            var grant = access.Peek(caller, head.Tenant, head.StreamId[(head.Tenant.Length + 1)..]);
            if (grant.Allowed)
            {
                grants[grant.StreamId] = grant;
            }
        }

        return (grants, null);
    }

    private static EntryFilter StorageFilter(EntrySearchRequest request, Dictionary<string, StreamGrant> grants)
    {
        if (grants.Count == 1)
        {
            var only = grants.Values.Single();

            // Text and property filters can only match bodies the caller may read: let storage skip the others.
            return request.Headers with { StreamId = only.StreamId, ReaderMask = request.Text is not null || request.Properties.Any(p => p.Equal) ? only.ReadMask : null };
        }

        var tenants = grants.Values.Select(g => g.Tenant).Distinct(StringComparer.Ordinal).ToList();
        return request.Headers with { Tenant = tenants.Count == 1 ? tenants[0] : null };
    }

    /// <summary>A page written straight to the response (<c>{"entries": [...], "nextCursor": ...}</c>), without a JSON tree of the page.</summary>
    private sealed class PageResult(List<PresentedEntry> entries, string? next) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.ContentType = "application/json; charset=utf-8";
            using (var writer = new Utf8JsonWriter(httpContext.Response.BodyWriter))
            {
                writer.WriteStartObject();
                writer.WriteStartArray("entries");
                foreach (var entry in entries)
                {
                    entry.WriteTo(writer);
                }

                writer.WriteEndArray();
                writer.WriteString("nextCursor", next);
                writer.WriteEndObject();
            }

            await httpContext.Response.BodyWriter.FlushAsync(httpContext.RequestAborted);
        }
    }
}
