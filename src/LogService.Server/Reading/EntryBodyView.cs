using System.Text.Json.Nodes;
using LogService.Core.Entries;
using LogService.Core.Policies;

namespace LogService.Server.Reading;

/// <summary>
/// A decrypted body as the API shows it, after the policy's redaction, and the free-text and property filters that
/// run over that redacted view (so a filter can never probe a value the caller is not shown).
/// </summary>
internal static class EntryBodyView
{
    /// <summary>The body as JSON with redacted properties replaced, and their values removed from the texts that render them.</summary>
    public static JsonObject Build(EntryBody body, Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>> redact)
    {
        var original = ToFields(body.Properties);
        var redacted = redact(original);
        var hidden = new List<string>();
        var properties = ToJson(redacted, original, hidden);
        string? Scrub(string? text) => text is null ? null : hidden.Aggregate(text, (t, value) => t.Replace(value, Redaction.Marker, StringComparison.Ordinal));
        return new JsonObject
        {
            ["messageTemplate"] = body.MessageTemplate,
            ["renderedMessage"] = Scrub(body.RenderedMessage),
            ["exception"] = Scrub(body.Exception),
            ["traceId"] = body.TraceId,
            ["spanId"] = body.SpanId,
            ["properties"] = properties,
            ["renderings"] = new JsonArray([.. body.Renderings.Select(r => (JsonNode?)Scrub(r))]),
        };
    }

    /// <summary>True when <paramref name="text"/> occurs, ignoring case, in the message, exception or any property value.</summary>
    public static bool ContainsText(JsonObject body, string text) => Values(body).Any(v => v.Contains(text, StringComparison.OrdinalIgnoreCase));

    /// <summary>True when the property at dotted <paramref name="path"/> exists and its value, as text, equals <paramref name="value"/>.</summary>
    public static bool PropertyEquals(JsonObject body, string path, string value)
    {
        JsonNode? node = body["properties"];
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject obj && obj.TryGetPropertyValue(part, out var child) ? child : null;
            if (node is null)
            {
                return false;
            }
        }

        return node is JsonValue scalar && (scalar.TryGetValue<string>(out var s) ? s == value : scalar.ToJsonString() == value);
    }

    private static IEnumerable<string> Values(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    foreach (var value in Values(child))
                    {
                        yield return value;
                    }
                }

                break;
            case JsonArray array:
                foreach (var value in array.SelectMany(Values))
                {
                    yield return value;
                }

                break;
            case JsonValue scalar:
                yield return scalar.TryGetValue<string>(out var s) ? s : scalar.ToJsonString();
                break;
        }
    }

    /// <summary>Properties as the policy's redaction takes them: objects become nested dictionaries, everything else JSON.</summary>
    private static Dictionary<string, object?> ToFields(IEnumerable<LogProperty> properties) =>
        properties.ToDictionary(p => p.Name, p => p.Value.Kind == LogValueKind.Object ? ToFields(p.Value.Members) : (object?)p.Value, StringComparer.Ordinal);

    private static JsonObject ToJson(IReadOnlyDictionary<string, object?> fields, IReadOnlyDictionary<string, object?> original, List<string> hidden)
    {
        var result = new JsonObject();
        foreach (var (name, value) in fields)
        {
            var before = original.GetValueOrDefault(name);
            result[name] = value switch
            {
                IReadOnlyDictionary<string, object?> nested => ToJson(nested, before as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?>(), hidden),
                LogValue logValue => JsonNode.Parse(logValue.ToString()),
                string marker => Hide(marker, before, hidden),
                _ => null,
            };
        }

        return result;
    }

    private static JsonNode Hide(string marker, object? before, List<string> hidden)
    {
        foreach (var text in Scalars(before))
        {
            hidden.Add(text);
        }

        return JsonValue.Create(marker);
    }

    /// <summary>The texts a hidden value renders as, longest first so a replacement never leaves part of one behind.</summary>
    private static IEnumerable<string> Scalars(object? value) => value switch
    {
        LogValue { Kind: LogValueKind.String or LogValueKind.Number, Text: { Length: > 0 } text } => [text],
        LogValue other when other.Kind is LogValueKind.Array or LogValueKind.Object => [other.ToString()],
        IReadOnlyDictionary<string, object?> nested => nested.Values.SelectMany(Scalars).OrderByDescending(t => t.Length),
        _ => [],
    };
}
