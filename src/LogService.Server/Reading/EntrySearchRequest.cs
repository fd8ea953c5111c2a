using System.Globalization;
using LogService.Core.Commands;
using LogService.Server.Ingestion;
using LogService.Storage;

namespace LogService.Server.Reading;

/// <summary>A property filter: <c>prop.Name=value</c> (equal) or <c>notprop.Name=value</c> (absent or different).</summary>
internal sealed record PropertyFilter(string Name, string Value, bool Equal);

/// <summary>The parameters of <c>GET /api/v1/entries</c> and its histogram and count, parsed and checked.</summary>
internal sealed record EntrySearchRequest(
    IReadOnlyList<(string Tenant, string Name)>? Streams,
    EntryFilter Headers,
    string? Text,
    IReadOnlyList<PropertyFilter> Properties,
    PageOrder Order,
    int Limit,
    string? Cursor,
    long? BucketMicros)
{
    public const int MaxLimit = 1000;
    private static readonly HashSet<string> Known = ["stream", "from", "to", "level", "sourceCloud", "sourceNode", "sourceUser", "eventType", "text", "order", "limit", "cursor", "bucket"];

    /// <summary>True when filters need decrypted bodies, so they run after decryption rather than in storage.</summary>
    public bool NeedsBodies => Text is not null || Properties.Count > 0;

    public bool Matches(PresentedEntry entry)
    {
        if (!NeedsBodies)
        {
            return true;
        }

        if (entry.Body is null)
        {
            // Without a readable body only "differs" filters can hold, and only when nothing else is asked.
            return Text is null && Properties.All(p => !p.Equal);
        }

        return (Text is null || entry.Body.ContainsText(Text))
            && Properties.All(p => entry.Body.PropertyEquals(p.Name, p.Value) == p.Equal);
    }

    public static (EntrySearchRequest? Request, string? Error) Parse(IQueryCollection query)
    {
        foreach (var key in query.Keys)
        {
            if (!Known.Contains(key) && !key.StartsWith("prop.", StringComparison.Ordinal) && !key.StartsWith("notprop.", StringComparison.Ordinal))
            {
                return (null, $"unknown parameter '{key}'");
            }
        }

        List<(string, string)>? streams = null;
        foreach (var stream in query["stream"])
        {
            var parts = stream?.Split('/') ?? [];
            if (parts.Length != 2 || !StreamIds.IsValidName(parts[0]) || !StreamIds.IsValidName(parts[1]))
            {
                return (null, $"'{stream}' is not a stream id (tenant/name)");
            }

            (streams ??= []).Add((parts[0], parts[1]));
        }

        if (!TryTime(query["from"], out var from) || !TryTime(query["to"], out var to))
        {
            return (null, "from and to are ISO 8601 times or Unix microseconds");
        }

        byte? level = null;
        if (Single(query, "level") is { } levelText)
        {
            if (byte.TryParse(levelText, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number <= 5)
            {
                level = number;
            }
            else if (LevelNames.TryParse(levelText, out var named))
            {
                level = (byte)named;
            }
            else
            {
                return (null, $"'{levelText}' is not a level (Verbose, Debug, Information, Warning, Error, Fatal or 0-5)");
            }
        }

        var order = Single(query, "order") switch
        {
            null or "newest" => PageOrder.NewestFirst,
            "oldest" => PageOrder.OldestFirst,
            var other => (PageOrder?)null,
        };
        if (order is null)
        {
            return (null, "order is newest or oldest");
        }

        var limit = 100;
        if (Single(query, "limit") is { } limitText && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            return (null, $"limit is 1 to {MaxLimit}");
        }

        long? bucket = null;
        if (Single(query, "bucket") is { } bucketText)
        {
            bucket = bucketText switch
            {
                "1m" => 60_000_000L,
                "5m" => 300_000_000L,
                "1h" => 3_600_000_000L,
                "1d" => 86_400_000_000L,
                _ when long.TryParse(bucketText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and <= 366L * 86_400 => seconds * 1_000_000,
                _ => null,
            };
            if (bucket is null)
            {
                return (null, "bucket is 1m, 5m, 1h, 1d or a number of seconds (at most a year)");
            }
        }

        var properties = new List<PropertyFilter>();
        foreach (var (key, values) in query)
        {
            var equal = key.StartsWith("prop.", StringComparison.Ordinal);
            if (!equal && !key.StartsWith("notprop.", StringComparison.Ordinal))
            {
                continue;
            }

            var name = key[(key.IndexOf('.', StringComparison.Ordinal) + 1)..];
            if (name.Length == 0)
            {
                return (null, $"'{key}' names no property");
            }

            properties.AddRange(values.Select(v => new PropertyFilter(name, v ?? "", equal)));
        }

        var text = Single(query, "text");
        var headers = new EntryFilter
        {
            FromMicros = from,
            ToMicros = to,
            MinLevel = level,
            SourceCloud = Single(query, "sourceCloud"),
            SourceNode = Single(query, "sourceNode"),
            SourceUser = Single(query, "sourceUser"),
            EventType = EventType(Single(query, "eventType")),
        };
        return (new EntrySearchRequest(streams, headers, string.IsNullOrEmpty(text) ? null : text, properties, order.Value, limit, Single(query, "cursor"), bucket), null);
    }

    private static string? Single(IQueryCollection query, string key) => query.TryGetValue(key, out var values) ? values[^1] : null;

    /// <summary>Writers' event types are stored as 8 lowercase hex digits; <c>0xA1B2C3D4</c> is accepted for them.</summary>
    private static string? EventType(string? value) =>
        value is { Length: 10 } && value.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && value[2..].All(char.IsAsciiHexDigit)
            ? value[2..].ToLowerInvariant()
            : value;

    private static bool TryTime(Microsoft.Extensions.Primitives.StringValues values, out long? micros)
    {
        micros = null;
        if (values.Count == 0 || string.IsNullOrEmpty(values[^1]))
        {
            return true;
        }

        var text = values[^1]!;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            micros = number;
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            micros = (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;
            return true;
        }

        return false;
    }
}
