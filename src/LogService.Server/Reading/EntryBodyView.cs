using System.Text.Json;
using LogService.Core.Entries;
using LogService.Core.Policies;

namespace LogService.Server.Reading;

/// <summary>
/// A decrypted body as the API shows it, after the policy's redaction, and the free-text and property filters that
/// run over that redacted view (so a filter can never probe a value the caller is not shown). Kept as the decoded
/// values and written straight to the response: a page of bodies is never built as a JSON tree.
/// </summary>
internal sealed class EntryBodyView
{
    private readonly EntryBody _body;
    private readonly string? _renderedMessage;
    private readonly string? _exception;
    private readonly string[] _renderings;

    /// <summary>Property values after redaction: a <see cref="LogValue"/>, a nested dictionary, or the redaction marker.</summary>
    private readonly IReadOnlyDictionary<string, object?> _properties;

    private EntryBodyView(EntryBody body, string? renderedMessage, string? exception, string[] renderings, IReadOnlyDictionary<string, object?> properties)
    {
        _body = body;
        _renderedMessage = renderedMessage;
        _exception = exception;
        _renderings = renderings;
        _properties = properties;
    }

    /// <summary>The body with redacted properties replaced, and their values removed from the texts that render them.</summary>
    public static EntryBodyView Build(EntryBody body, Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>> redact)
    {
        var original = ToFields(body.Properties);
        var redacted = redact(original);
        var hidden = new List<string>();
        CollectHidden(redacted, original, hidden);
        string? Scrub(string? text) => text is null ? null : hidden.Aggregate(text, (t, value) => t.Replace(value, Redaction.Marker, StringComparison.Ordinal));
        return new EntryBodyView(body, Scrub(body.RenderedMessage), Scrub(body.Exception), [.. body.Renderings.Select(r => Scrub(r)!)], redacted);
    }

    /// <summary>Writes the body as docs/api.md shows it.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("messageTemplate", _body.MessageTemplate);
        writer.WriteString("renderedMessage", _renderedMessage);
        writer.WriteString("exception", _exception);
        writer.WriteString("traceId", _body.TraceId);
        writer.WriteString("spanId", _body.SpanId);
        if (_body.SourceSequence is { } sourceSequence)
        {
            writer.WriteNumber("sourceSequence", sourceSequence);
        }
        else
        {
            writer.WriteNull("sourceSequence");
        }

        writer.WritePropertyName("properties");
        WriteFields(writer, _properties);
        writer.WriteStartArray("renderings");
        foreach (var rendering in _renderings)
        {
            writer.WriteStringValue(rendering);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>True when <paramref name="text"/> occurs, ignoring case, in the message, exception or any property value.</summary>
    public bool ContainsText(string text) => Texts().Any(v => v.Contains(text, StringComparison.OrdinalIgnoreCase));

    /// <summary>True when the property at dotted <paramref name="path"/> exists and its value, as text, equals <paramref name="value"/>.</summary>
    public bool PropertyEquals(string path, string value)
    {
        object? node = _properties;
        foreach (var part in path.Split('.'))
        {
            if (node is not IReadOnlyDictionary<string, object?> fields || !fields.TryGetValue(part, out node))
            {
                return false;
            }
        }

        return node switch
        {
            string marker => marker == value,
            LogValue { Kind: LogValueKind.String or LogValueKind.Number } scalar => scalar.Text == value,
            LogValue { Kind: LogValueKind.True } => value == "true",
            LogValue { Kind: LogValueKind.False } => value == "false",
            _ => false,
        };
    }

    /// <summary>Every text a free-text search looks at: the body's strings and every scalar property value as JSON text.</summary>
    private IEnumerable<string> Texts()
    {
        string?[] texts = [_body.MessageTemplate, _renderedMessage, _exception, _body.TraceId, _body.SpanId];
        return texts.OfType<string>().Concat(FieldTexts(_properties)).Concat(_renderings);
    }

    private static IEnumerable<string> FieldTexts(IReadOnlyDictionary<string, object?> fields) => fields.Values.SelectMany(value => value switch
    {
        IReadOnlyDictionary<string, object?> nested => FieldTexts(nested),
        LogValue logValue => ValueTexts(logValue),
        string marker => [marker],
        _ => [],
    });

    private static IEnumerable<string> ValueTexts(LogValue value) => value.Kind switch
    {
        LogValueKind.String or LogValueKind.Number => [value.Text!],
        LogValueKind.True => ["true"],
        LogValueKind.False => ["false"],
        LogValueKind.Array => value.Items.SelectMany(ValueTexts),
        LogValueKind.Object => value.Members.SelectMany(m => ValueTexts(m.Value)),
        _ => [],
    };

    private static void WriteFields(Utf8JsonWriter writer, IReadOnlyDictionary<string, object?> fields)
    {
        writer.WriteStartObject();
        foreach (var (name, value) in fields)
        {
            writer.WritePropertyName(name);
            switch (value)
            {
                case IReadOnlyDictionary<string, object?> nested:
                    WriteFields(writer, nested);
                    break;
                case LogValue logValue:
                    logValue.WriteTo(writer);
                    break;
                case string marker:
                    writer.WriteStringValue(marker);
                    break;
                default:
                    writer.WriteNullValue();
                    break;
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>Properties as the policy's redaction takes them: objects become nested dictionaries, everything else JSON.</summary>
    private static Dictionary<string, object?> ToFields(IEnumerable<LogProperty> properties) =>
        properties.ToDictionary(p => p.Name, p => p.Value.Kind == LogValueKind.Object ? ToFields(p.Value.Members) : (object?)p.Value, StringComparer.Ordinal);

    /// <summary>The texts of every value the redaction replaced by the marker.</summary>
    private static void CollectHidden(IReadOnlyDictionary<string, object?> fields, IReadOnlyDictionary<string, object?> original, List<string> hidden)
    {
        foreach (var (name, value) in fields)
        {
            var before = original.GetValueOrDefault(name);
            if (value is IReadOnlyDictionary<string, object?> nested)
            {
                CollectHidden(nested, before as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?>(), hidden);
            }
            else if (value is string)
            {
                hidden.AddRange(Scalars(before));
            }
        }
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
