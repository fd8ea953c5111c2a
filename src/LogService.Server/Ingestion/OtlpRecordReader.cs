using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using LogService.Core.Entries;

namespace LogService.Server.Ingestion;

/// <summary>Maps OTLP JSON resources, scopes and log records onto drafts; see <see cref="OtlpJsonFormat"/> for the mapping.</summary>
internal sealed class OtlpRecordReader(IngestScope scope, DraftBuilder builder)
{
    public (SourceHints Source, LogValue? Resource) ReadResource(JsonElement resourceLogs, JsonPath path)
    {
        if (resourceLogs.ValueKind != JsonValueKind.Object)
        {
            throw scope.Malformed(path.ToString(), "Expected an object.");
        }

        if (!resourceLogs.TryGetProperty("resource", out var resource) || resource.ValueKind == JsonValueKind.Null)
        {
            return (SourceHints.None, null);
        }

        var attributes = ReadAttributes(resource, path.Member("resource"), depth: 2);
        string? Hint(string key) => attributes.FirstOrDefault(a => a.Name == key).Value is { Kind: LogValueKind.String } v ? v.Text : null;
        var source = new SourceHints(Hint("service.name"), Hint("host.name"));
        return (source.IsEmpty ? SourceHints.None : source, attributes.Count == 0 ? null : JsonFields.ObjectOf(attributes, scope, path.ToString()));
    }

    public LogValue? ReadScope(JsonElement scopeLogs, JsonPath path)
    {
        if (scopeLogs.ValueKind != JsonValueKind.Object)
        {
            throw scope.Malformed(path.ToString(), "Expected an object.");
        }

        if (!scopeLogs.TryGetProperty("scope", out var instrumentationScope) || instrumentationScope.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (instrumentationScope.ValueKind != JsonValueKind.Object)
        {
            throw scope.Malformed(path.Member("scope").ToString(), "Expected an object.");
        }

        var members = new List<LogProperty>(3);
        foreach (var name in (ReadOnlySpan<string>)["name", "version"])
        {
            if (instrumentationScope.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
            {
                members.Add(new LogProperty(name, LogValue.String(text)));
            }
        }

        var attributes = ReadAttributes(instrumentationScope, path.Member("scope"), depth: 3);
        if (attributes.Count > 0)
        {
            members.Add(new LogProperty("attributes", JsonFields.ObjectOf(attributes, scope, path.ToString())));
        }

        return members.Count == 0 ? null : JsonFields.ObjectOf(members, scope, path.ToString());
    }

    public void ReadRecord(JsonElement record, JsonPath path, LogValue? resource, LogValue? instrumentationScope)
    {
        if (record.ValueKind != JsonValueKind.Object)
        {
            throw scope.Invalid(path.ToString(), "Expected a log record object.");
        }

        var time = ReadUnixNano(record, "timeUnixNano", path);
        if (time == 0)
        {
            time = ReadUnixNano(record, "observedTimeUnixNano", path);
        }

        // With neither time set, OTLP leaves the receiver to stamp the record.
        builder.Timestamp = time == 0 ? scope.NowMicros : scope.CheckTimestamp((long)(time / 1000), path.Member("timeUnixNano").ToString());
        string? severityText = record.TryGetProperty("severityText", out var textElement) && textElement.ValueKind == JsonValueKind.String ? textElement.GetString() : null;
        builder.Level = ReadLevel(record, path, severityText);
        builder.TraceId = ReadId(record, "traceId", path, TraceContext.TraceIdHexLength);
        builder.SpanId = ReadId(record, "spanId", path, TraceContext.SpanIdHexLength);

        foreach (var attribute in ReadAttributes(record, path, depth: 1))
        {
            switch (attribute.Name)
            {
                case "{OriginalFormat}" or "message_template.text" when attribute.Value.Kind == LogValueKind.String:
                    builder.MessageTemplate = attribute.Value.Text;
                    break;
                case "exception.stacktrace" when attribute.Value.Kind == LogValueKind.String:
                    builder.Exception = attribute.Value.Text;
                    break;
                default:
                    builder.Properties.Add(attribute);
                    break;
            }
        }

        if (record.TryGetProperty("body", out var body) && body.ValueKind == JsonValueKind.Object)
        {
            var value = ReadAnyValue(body, 1, path.Member("body"));
            if (value.Kind == LogValueKind.String)
            {
                builder.RenderedMessage = value.Text;
            }
            else if (value.Kind != LogValueKind.Null)
            {
                builder.Properties.Add(new LogProperty("otel.body", value));
            }
        }

        if (record.TryGetProperty("eventName", out var eventName) && eventName.ValueKind == JsonValueKind.String && eventName.GetString() is { Length: > 0 } name)
        {
            builder.EventType = EventTypes.FromTemplate(name);
            builder.Properties.Add(new LogProperty("otel.event_name", LogValue.String(name)));
        }

        if (severityText is { Length: > 0 })
        {
            builder.Properties.Add(new LogProperty("otel.severity_text", LogValue.String(severityText)));
        }

        if (resource is not null)
        {
            builder.Properties.Add(new LogProperty("otel.resource", resource));
        }

        if (instrumentationScope is not null)
        {
            builder.Properties.Add(new LogProperty("otel.scope", instrumentationScope));
        }
    }

    private EntryLevel ReadLevel(JsonElement record, JsonPath path, string? severityText)
    {
        var number = 0;
        if (record.TryGetProperty("severityNumber", out var severity) && severity.ValueKind != JsonValueKind.Null
            && !(severity.ValueKind == JsonValueKind.Number && severity.TryGetInt32(out number) && number is >= 0 and <= 24))
        {
            throw scope.Invalid(path.Member("severityNumber").ToString(), "Expected a severity number from 0 to 24.");
        }

        if (number > 0)
        {
            return (EntryLevel)((number - 1) / 4);
        }

        return severityText is not null && LevelNames.TryParse(severityText, out var level) ? level : EntryLevel.Information;
    }

    private ulong ReadUnixNano(JsonElement record, string name, JsonPath path)
    {
        if (!record.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return 0;
        }

        // Protobuf JSON writes 64-bit integers as strings, but numbers are accepted too.
        var ok = element.ValueKind switch
        {
            JsonValueKind.String => JsonFields.TryParseUInt64(Encoding.UTF8.GetBytes(element.GetString()!), out var parsed) ? parsed : (ulong?)null,
            JsonValueKind.Number => element.TryGetUInt64(out var number) ? number : null,
            _ => null,
        };
        return ok ?? throw scope.Invalid(path.Member(name).ToString(), "Expected nanoseconds since the Unix epoch as an unsigned integer or a string of one.");
    }

    private string? ReadId(JsonElement record, string name, JsonPath path, int hexLength)
    {
        if (!record.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return element.ValueKind == JsonValueKind.String && TraceContext.TryNormalize(element.GetString(), hexLength, out var id)
            ? id
            : throw scope.Invalid(path.Member(name).ToString(), $"Expected {hexLength} hexadecimal digits.");
    }

    /// <summary>The <c>attributes</c> key-value list of <paramref name="owner"/>, found at <paramref name="ownerPath"/>.</summary>
    private List<LogProperty> ReadAttributes(JsonElement owner, JsonPath ownerPath, int depth)
    {
        var list = new List<LogProperty>();
        var path = ownerPath.Member("attributes");
        foreach (var attribute in OtlpJsonFormat.Items(owner, "attributes", scope, ownerPath))
        {
            list.Add(ReadKeyValue(attribute, depth, path.Item(list.Count)));
        }

        return list;
    }

    private LogProperty ReadKeyValue(JsonElement keyValue, int depth, JsonPath path)
    {
        if (keyValue.ValueKind != JsonValueKind.Object || !keyValue.TryGetProperty("key", out var key) || key.ValueKind != JsonValueKind.String)
        {
            throw scope.Invalid(path.ToString(), "Expected a key-value object with a string \"key\".");
        }

        var name = key.GetString()!;
        if (name.Length > scope.Limits.MaxPropertyNameLength)
        {
            throw scope.Invalid(path.Member("key").ToString(), $"A property name may be at most {scope.Limits.MaxPropertyNameLength} characters.");
        }

        var value = keyValue.TryGetProperty("value", out var any) && any.ValueKind != JsonValueKind.Null
            ? ReadAnyValue(any, depth, path.Member("value"))
            : CountedNull(depth, path);
        return new LogProperty(name, value);
    }

    private LogValue CountedNull(int depth, JsonPath path)
    {
        JsonFields.CountValue(scope, depth, path);
        return LogValue.Null;
    }

    private LogValue ReadAnyValue(JsonElement any, int depth, JsonPath path)
    {
        JsonFields.CountValue(scope, depth, path);
        if (any.ValueKind != JsonValueKind.Object)
        {
            throw scope.Invalid(path.ToString(), "Expected an AnyValue object such as {\"stringValue\": \"…\"}.");
        }

        foreach (var member in any.EnumerateObject())
        {
            var value = member.Value;
            var memberPath = path.Member(member.Name);
            switch (member.Name)
            {
                case "stringValue" when value.ValueKind == JsonValueKind.String:
                    return LogValue.String(value.GetString()!);
                case "boolValue" when value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                    return LogValue.Boolean(value.GetBoolean());
                case "intValue":
                    return ReadInteger(value, memberPath);
                case "doubleValue":
                    return ReadDouble(value, memberPath);
                case "bytesValue" when value.ValueKind == JsonValueKind.String:
                    var base64 = value.GetString()!;
                    return System.Buffers.Text.Base64.IsValid(base64) ? LogValue.String(base64) : throw scope.Invalid(memberPath.ToString(), "Expected base64 text.");
                case "arrayValue" when value.ValueKind == JsonValueKind.Object:
                    var items = new List<LogValue>();
                    var itemsPath = memberPath.Member("values");
                    foreach (var item in OtlpJsonFormat.Items(value, "values", scope, memberPath))
                    {
                        items.Add(ReadAnyValue(item, depth + 1, itemsPath.Item(items.Count)));
                    }

                    return LogValue.Array([.. items]);
                case "kvlistValue" when value.ValueKind == JsonValueKind.Object:
                    var members = new List<LogProperty>();
                    var membersPath = memberPath.Member("values");
                    foreach (var item in OtlpJsonFormat.Items(value, "values", scope, memberPath))
                    {
                        members.Add(ReadKeyValue(item, depth + 1, membersPath.Item(members.Count)));
                    }

                    return JsonFields.ObjectOf(members, scope, memberPath.ToString());
                case "stringValue" or "boolValue" or "bytesValue" or "arrayValue" or "kvlistValue":
                    throw scope.Invalid(memberPath.ToString(), "The value has the wrong JSON type for this AnyValue field.");
            }
        }

        return LogValue.Null;
    }

    private LogValue ReadInteger(JsonElement value, JsonPath path)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.Number => Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(value)),
            JsonValueKind.String => value.GetString(),
            _ => null,
        };
        return text is not null && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? LogValue.Number(number.ToString(CultureInfo.InvariantCulture))
            : throw scope.Invalid(path.ToString(), "Expected a 64-bit integer or a string of one.");
    }

    private LogValue ReadDouble(JsonElement value, JsonPath path)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            return LogValue.Number(Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(value)));
        }

        // Protobuf JSON spells non-finite doubles as strings; JSON numbers cannot hold them, so they stay strings.
        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : null;
        if (text is "NaN" or "Infinity" or "-Infinity")
        {
            return LogValue.String(text);
        }

        return text is not null && LogValue.TryNumber(text, out var number) ? number : throw scope.Invalid(path.ToString(), "Expected a number.");
    }
}
