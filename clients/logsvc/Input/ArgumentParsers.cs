using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LogService.Cli.Input;

/// <summary>The parsing of values the command line library does not know: properties, times, durations, secrets.</summary>
internal static class ArgumentParsers
{
    /// <summary>
    /// <c>Name=Value</c> pairs as event properties. A value that is JSON (<c>3</c>, <c>true</c>, <c>null</c>,
    /// <c>"007"</c>, <c>{…}</c>, <c>[…]</c>) is kept as that JSON; anything else is a string.
    /// </summary>
    public static JsonObject? Properties(IReadOnlyList<string>? pairs)
    {
        if (pairs is null || pairs.Count == 0)
        {
            return null;
        }

        var properties = new JsonObject();
        foreach (var (name, text) in Pairs(pairs, "--property"))
        {
            if (properties.ContainsKey(name))
            {
                throw CliException.Usage($"--property {name} is given twice");
            }

            properties[name] = Value(text);
        }

        return properties;
    }

    /// <summary><c>Name=Value</c> pairs as query filters (compared as text by the service).</summary>
    public static IReadOnlyDictionary<string, string> Filters(IReadOnlyList<string>? pairs, string option) =>
        Pairs(pairs ?? [], option).ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);

    /// <summary>An ISO 8601 time (UTC when it has no offset), or a time before <paramref name="now"/>: <c>90s</c>, <c>15m</c>, <c>2h</c>, <c>7d</c>.</summary>
    public static DateTimeOffset Time(string text, DateTimeOffset now, string option)
    {
        if (TryDuration(text, out var ago))
        {
            return now - ago;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var time)
            ? time
            : throw CliException.Usage($"{option} '{text}' is neither an ISO 8601 time nor a duration such as 15m, 2h or 7d");
    }

    /// <summary><c>500ms</c>, <c>90s</c>, <c>15m</c>, <c>2h</c> or <c>7d</c>.</summary>
    public static TimeSpan Duration(string text, string option) =>
        TryDuration(text, out var span) && span > TimeSpan.Zero ? span : throw CliException.Usage($"{option} '{text}' is not a duration such as 500ms, 5s or 2m");

    /// <summary>
    /// A 32-byte secret (A_0) from a file: the raw bytes, or base64 or hex text. Reading a secret from a file
    /// rather than the command line keeps it out of the process list and shell history.
    /// </summary>
    public static byte[] SecretFile(string path, int size)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == size)
        {
            return bytes;
        }

        var text = System.Text.Encoding.ASCII.GetString(bytes).Trim();
        try
        {
            var decoded = text.Length == size * 2 ? Convert.FromHexString(text) : Convert.FromBase64String(text);
            if (decoded.Length == size)
            {
                return decoded;
            }
        }
        catch (FormatException)
        {
            // Reported below with what was expected.
        }

        throw new CliException(ExitCodes.LocalFile, $"{path} does not hold a {size}-byte secret (raw, base64 or hex)");
    }

    private static IEnumerable<(string Name, string Value)> Pairs(IReadOnlyList<string> pairs, string option)
    {
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw CliException.Usage($"{option} '{pair}' is not Name=Value");
            }

            yield return (pair[..equals], pair[(equals + 1)..]);
        }
    }

    private static JsonNode? Value(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    private static bool TryDuration(string text, out TimeSpan span)
    {
        span = default;
        var units = new (string Suffix, double Seconds)[] { ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400) };
        foreach (var (suffix, seconds) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) && !(suffix == "s" && text.EndsWith("ms", StringComparison.Ordinal))
                && double.TryParse(text[..^suffix.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                span = TimeSpan.FromSeconds(amount * seconds);
                return true;
            }
        }

        return false;
    }
}
