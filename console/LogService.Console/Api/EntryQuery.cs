using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace LogService.Console.Api;

/// <summary>A property equals (include) or differs from (exclude) a value.</summary>
public sealed record PropertyFilter(string Name, string Value, bool Include)
{
    public string QueryKey => (Include ? "prop." : "notprop.") + Name;
}

/// <summary>
/// Everything the Events view filters by. It round-trips through the console's URL, whose parameters are the
/// API's own (plus <c>range</c>, a preset relative to now), so a shared link reproduces the same query.
/// </summary>
public sealed record EntryQuery
{
    public static readonly IReadOnlyDictionary<string, TimeSpan> RangePresets = new Dictionary<string, TimeSpan>(StringComparer.Ordinal)
    {
        ["15m"] = TimeSpan.FromMinutes(15),
        ["1h"] = TimeSpan.FromHours(1),
        ["24h"] = TimeSpan.FromHours(24),
        ["7d"] = TimeSpan.FromDays(7),
        ["30d"] = TimeSpan.FromDays(30),
    };

    public static readonly string[] Levels = ["Verbose", "Debug", "Information", "Warning", "Error", "Fatal"];

    public IReadOnlyList<string> Streams { get; init; } = [];

    public string? Range { get; init; }

    public string? From { get; init; }

    public string? To { get; init; }

    public string? Level { get; init; }

    public string? SourceCloud { get; init; }

    public string? SourceNode { get; init; }

    public string? SourceUser { get; init; }

    public string? EventType { get; init; }

    public string? Text { get; init; }

    public IReadOnlyList<PropertyFilter> Properties { get; init; } = [];

    public string? Order { get; init; }

    public string? Cursor { get; init; }

    public int Limit { get; init; } = 50;

    public static EntryQuery FromUrl(IReadOnlyDictionary<string, StringValues> query)
    {
        string? One(string key) => query.TryGetValue(key, out var v) && !StringValues.IsNullOrEmpty(v) && v.ToString().Trim() is { Length: > 0 } s ? s : null;
        var properties = query
            .Where(q => q.Key.StartsWith("prop.", StringComparison.Ordinal) || q.Key.StartsWith("notprop.", StringComparison.Ordinal))
            .SelectMany(q => q.Value.Where(v => v is not null).Select(v => new PropertyFilter(q.Key[(q.Key.IndexOf('.', StringComparison.Ordinal) + 1)..], v!, q.Key[0] == 'p')))
            .Where(p => p.Name.Length > 0)
            .ToList();
        return new EntryQuery
        {
            Streams = query.TryGetValue("stream", out var s) ? s.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!).ToList() : [],
            Range = One("range"),
            From = One("from"),
            To = One("to"),
            Level = One("level"),
            SourceCloud = One("sourceCloud"),
            SourceNode = One("sourceNode"),
            SourceUser = One("sourceUser"),
            EventType = One("eventType"),
            Text = One("text"),
            Properties = properties,
            Order = One("order"),
            Cursor = One("cursor"),
            Limit = int.TryParse(One("limit"), NumberStyles.None, CultureInfo.InvariantCulture, out var limit) ? Math.Clamp(limit, 1, 1000) : 50,
        };
    }

    /// <summary>The console URL of this query at <paramref name="path"/>.</summary>
    public string ToUrl(string path) => QueryHelpers.AddQueryString(path, Pairs(resolveRange: false, now: default));

    /// <summary>The API's query string, with a range preset turned into an absolute <c>from</c>.</summary>
    public string ToApiQuery(DateTimeOffset now) => QueryHelpers.AddQueryString(string.Empty, Pairs(resolveRange: true, now));

    public EntryQuery WithProperty(string name, string value, bool include) => this with
    {
        Properties = [.. Properties.Where(p => p.Name != name || p.Value != value), new PropertyFilter(name, value, include)],
        Cursor = null,
    };

    public EntryQuery WithoutProperty(PropertyFilter filter) => this with { Properties = Properties.Where(p => p != filter).ToList(), Cursor = null };

    private List<KeyValuePair<string, StringValues>> Pairs(bool resolveRange, DateTimeOffset now)
    {
        var pairs = new List<KeyValuePair<string, StringValues>>();
        void Add(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                pairs.Add(new(key, value));
            }
        }

        foreach (var stream in Streams)
        {
            Add("stream", stream);
        }

        if (resolveRange && Range is not null && RangePresets.TryGetValue(Range, out var span))
        {
            Add("from", (now - span).ToString("O", CultureInfo.InvariantCulture));
        }
        else
        {
            Add("range", resolveRange ? null : Range);
            Add("from", From);
            Add("to", To);
        }

        Add("level", Level);
        Add("sourceCloud", SourceCloud);
        Add("sourceNode", SourceNode);
        Add("sourceUser", SourceUser);
        Add("eventType", EventType);
        Add("text", Text);
        foreach (var p in Properties)
        {
            Add(p.QueryKey, p.Value);
        }

        Add("order", Order);
        Add("cursor", Cursor);
        Add("limit", Limit == 50 && !resolveRange ? null : Limit.ToString(CultureInfo.InvariantCulture));
        return pairs;
    }
}
