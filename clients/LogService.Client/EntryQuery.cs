using System.Globalization;
using System.Text;

namespace LogService.Client;

/// <summary>The filters of <c>GET /api/v1/entries</c>; every one is optional.</summary>
public sealed record EntryQuery
{
    /// <summary>Streams to search; empty means every stream the caller may read.</summary>
    public IReadOnlyList<string> Streams { get; init; } = [];

    /// <summary>Earliest time.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Latest time.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Minimum level.</summary>
    public string? Level { get; init; }

    /// <summary>Source cloud.</summary>
    public string? SourceCloud { get; init; }

    /// <summary>Source node.</summary>
    public string? SourceNode { get; init; }

    /// <summary>Source user.</summary>
    public string? SourceUser { get; init; }

    /// <summary>Event type.</summary>
    public string? EventType { get; init; }

    /// <summary>Free text over the permitted plaintext.</summary>
    public string? Text { get; init; }

    /// <summary>Properties that must equal the given values.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    /// <summary>Properties that must differ from the given values.</summary>
    public IReadOnlyDictionary<string, string> NotProperties { get; init; } = new Dictionary<string, string>();

    /// <summary><c>newest</c> (default) or <c>oldest</c> first.</summary>
    public string? Order { get; init; }

    /// <summary>Page size, 1–1000 (server default 100).</summary>
    public int? Limit { get; init; }

    /// <summary>The query string (without <c>?</c>), optionally continuing at <paramref name="cursor"/>.</summary>
    public string ToQueryString(string? cursor = null)
    {
        var parts = new List<(string, string)>();
        parts.AddRange(Streams.Select(s => ("stream", s)));
        Add(parts, "from", From?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture));
        Add(parts, "to", To?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture));
        Add(parts, "level", Level);
        Add(parts, "sourceCloud", SourceCloud);
        Add(parts, "sourceNode", SourceNode);
        Add(parts, "sourceUser", SourceUser);
        Add(parts, "eventType", EventType);
        Add(parts, "text", Text);
        parts.AddRange(Properties.Select(p => ("prop." + p.Key, p.Value)));
        parts.AddRange(NotProperties.Select(p => ("notprop." + p.Key, p.Value)));
        Add(parts, "order", Order);
        Add(parts, "limit", Limit?.ToString(CultureInfo.InvariantCulture));
        Add(parts, "cursor", cursor);
        var text = new StringBuilder();
        foreach (var (name, value) in parts)
        {
            text.Append(text.Length == 0 ? "" : "&").Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return text.ToString();
    }

    private static void Add(List<(string, string)> parts, string name, string? value)
    {
        if (value is not null)
        {
            parts.Add((name, value));
        }
    }
}
