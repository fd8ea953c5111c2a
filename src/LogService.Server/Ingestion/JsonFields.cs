using System.Buffers.Text;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using LogService.Core.Entries;

namespace LogService.Server.Ingestion;

/// <summary>
/// Typed reads of one JSON value at the reader's current token, shared by the formats. Each read checks the
/// token type and the rules of <see cref="IngestLimits"/>, and fails with the field's name.
/// </summary>
internal static class JsonFields
{
    public static string ReadString(ref Utf8JsonReader reader, IngestScope scope, string field) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw WrongType(reader, scope, field, "a string");

    public static string? ReadOptionalString(ref Utf8JsonReader reader, IngestScope scope, string field) =>
        reader.TokenType == JsonTokenType.Null ? null : ReadString(ref reader, scope, field);

    /// <summary>An ISO 8601 timestamp string; one without an offset is taken as UTC.</summary>
    public static long ReadIsoTimestamp(ref Utf8JsonReader reader, IngestScope scope, string field)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw WrongType(reader, scope, field, "an ISO 8601 timestamp string");
        }

        // Text without an offset is UTC here. Parsing it as a DateTimeOffset would apply the machine's local offset,
        // and replicas must not depend on their time zone.
        var hasOffset = reader.ValueIsEscaped ? HasOffset(Encoding.UTF8.GetBytes(reader.GetString()!)) : HasOffset(reader.ValueSpan);
        DateTimeOffset time;
        if (hasOffset ? !reader.TryGetDateTimeOffset(out time) : !TryGetUtc(ref reader, out time))
        {
            throw scope.Invalid(field, "The value is not an ISO 8601 timestamp.");
        }

        return scope.CheckTimestamp(EntryBody.ToUnixMicros(time), field);
    }

    private static bool TryGetUtc(ref Utf8JsonReader reader, out DateTimeOffset time)
    {
        var ok = reader.TryGetDateTime(out var clock) && clock.Kind == DateTimeKind.Unspecified;
        time = ok ? new DateTimeOffset(clock, TimeSpan.Zero) : default;
        return ok;
    }

    // After the 10-character date, a 'Z' or a sign can only introduce the offset.
    private static bool HasOffset(ReadOnlySpan<byte> iso) => iso.Length > 10 && iso[10..].IndexOfAny("Zz+-"u8) >= 0;

    /// <summary>A level name, or (when <paramref name="allowNumber"/>) its number 0–5.</summary>
    public static EntryLevel ReadLevel(ref Utf8JsonReader reader, IngestScope scope, string field, bool allowNumber)
    {
        if (allowNumber && reader.TokenType == JsonTokenType.Number)
        {
            return reader.TryGetByte(out var number) && number <= (byte)EntryLevel.Fatal
                ? (EntryLevel)number
                : throw scope.Invalid(field, "A numeric level runs from 0 (Verbose) to 5 (Fatal).");
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            throw WrongType(reader, scope, field, allowNumber ? "a level name or a number 0-5" : "a level name");
        }

        Span<char> buffer = stackalloc char[16];
        if (reader.ValueSpan.Length <= buffer.Length && !reader.ValueIsEscaped)
        {
            var length = reader.CopyString(buffer);
            if (LevelNames.TryParse(buffer[..length], out var level))
            {
                return level;
            }
        }

        throw scope.Invalid(field, $"Unknown level '{Truncate(reader.GetString()!)}'; use Verbose, Debug, Information, Warning, Error or Fatal.");
    }

    /// <summary>An explicit event type: a number, or a hexadecimal string as Seq's <c>@i</c> accepts.</summary>
    public static uint ReadEventType(ref Utf8JsonReader reader, IngestScope scope, string field)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            return reader.TryGetUInt32(out var number) ? number : throw scope.Invalid(field, "A numeric event type is a 32-bit unsigned integer.");
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            throw WrongType(reader, scope, field, "a number or a hexadecimal string");
        }

        var text = reader.GetString()!.AsSpan();
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            text = text[2..];
        }

        return text.Length is > 0 and <= 8 && uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex)
            ? hex
            : throw scope.Invalid(field, "A string event type is 1 to 8 hexadecimal digits.");
    }

    /// <summary>A hex trace or span id; empty or all-zero means none.</summary>
    public static string? ReadTraceContextId(ref Utf8JsonReader reader, IngestScope scope, string field, int hexLength)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw WrongType(reader, scope, field, "a hexadecimal string");
        }

        // Ids are short: copy into the stack instead of allocating a string that normalization would copy again.
        Span<char> buffer = stackalloc char[TraceContext.TraceIdHexLength];
        var fits = reader.ValueSpan.Length <= buffer.Length && !reader.ValueIsEscaped;
        var text = fits ? buffer[..reader.CopyString(buffer)] : reader.GetString().AsSpan();
        return TraceContext.TryNormalize(text, hexLength, out var id)
            ? id
            : throw scope.Invalid(field, $"Expected {hexLength} hexadecimal digits.");
    }

    public static string[] ReadStringArray(ref Utf8JsonReader reader, IngestScope scope, string field)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw WrongType(reader, scope, field, "an array of strings");
        }

        var items = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            items.Add(ReadString(ref reader, scope, field));
        }

        return [.. items];
    }

    /// <summary>Reads an object's members as top-level properties of the current event.</summary>
    public static void ReadProperties(ref Utf8JsonReader reader, IngestScope scope, string field, List<LogProperty> into)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw WrongType(reader, scope, field, "an object");
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = ReadName(ref reader, scope, field);
            reader.Read();
            into.Add(new LogProperty(name, ReadValue(ref reader, scope, 1, name)));
        }
    }

    /// <summary>A property value at <paramref name="depth"/> (a top-level property is 1), counted against the event's limits.</summary>
    public static LogValue ReadValue(ref Utf8JsonReader reader, IngestScope scope, int depth, string field)
    {
        CountValue(scope, depth, field);
        switch (reader.TokenType)
        {
            case JsonTokenType.String: return LogValue.String(reader.GetString()!);
            case JsonTokenType.Number: return LogValue.Number(Encoding.UTF8.GetString(reader.ValueSpan));
            case JsonTokenType.True: return LogValue.True;
            case JsonTokenType.False: return LogValue.False;
            case JsonTokenType.Null: return LogValue.Null;
            case JsonTokenType.StartArray:
                var items = new List<LogValue>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader, scope, depth + 1, field));
                }

                return LogValue.Array([.. items]);
            case JsonTokenType.StartObject:
                var members = new List<LogProperty>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = ReadName(ref reader, scope, field);
                    reader.Read();
                    members.Add(new LogProperty(name, ReadValue(ref reader, scope, depth + 1, field)));
                }

                return ObjectOf(members, scope, field);
            default:
                throw scope.Malformed(field, $"Unexpected JSON token {reader.TokenType}.");
        }
    }

    /// <summary>Counts one value against the event's depth and size limits.</summary>
    public static void CountValue(IngestScope scope, int depth, string field)
    {
        if (LimitBroken(scope, depth) is { } reason)
        {
            throw scope.Invalid(field, reason);
        }
    }

    /// <summary>Counts one value against the event's depth and size limits; the path is formatted only on a violation.</summary>
    public static void CountValue(IngestScope scope, int depth, JsonPath path)
    {
        if (LimitBroken(scope, depth) is { } reason)
        {
            throw scope.Invalid(path.ToString(), reason);
        }
    }

    private static string? LimitBroken(IngestScope scope, int depth) =>
        depth > scope.Limits.MaxPropertyDepth ? $"Properties may nest at most {scope.Limits.MaxPropertyDepth} levels deep."
        : ++scope.PropertyValues > scope.Limits.MaxPropertyValues ? $"An event may carry at most {scope.Limits.MaxPropertyValues} property values."
        : null;

    public static LogValue ObjectOf(List<LogProperty> members, IngestScope scope, string field)
    {
        var array = members.ToArray();
        return LogValue.FindDuplicateName(array) is { } duplicate
            ? throw scope.Invalid(field, $"The name '{Truncate(duplicate)}' occurs twice in one object.")
            : LogValue.Object(ImmutableCollectionsMarshal.AsImmutableArray(array));
    }

    public static string ReadName(ref Utf8JsonReader reader, IngestScope scope, string field)
    {
        var name = reader.GetString()!;
        return name.Length <= scope.Limits.MaxPropertyNameLength
            ? name
            : throw scope.Invalid(field, $"A property name may be at most {scope.Limits.MaxPropertyNameLength} characters.");
    }

    public static IngestFailure WrongType(in Utf8JsonReader reader, IngestScope scope, string? field, string expected) =>
        scope.Invalid(field, $"Expected {expected}, found {Describe(reader.TokenType)}.");

    public static IngestFailure UnknownField(IngestScope scope, string name, string accepted) =>
        scope.Invalid(name, $"Unknown field '{Truncate(name)}'; the fields of an event are {accepted}.");

    public static string Truncate(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    /// <summary>Skips a UTF-8 byte order mark, which some writers put before JSON.</summary>
    public static ReadOnlyMemory<byte> WithoutBom(ReadOnlyMemory<byte> payload) =>
        payload.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? payload[3..] : payload;

    /// <summary>Parses an unsigned decimal integer held as UTF-8 text, e.g. OTLP's int64-as-string.</summary>
    public static bool TryParseUInt64(ReadOnlySpan<byte> text, out ulong value) =>
        Utf8Parser.TryParse(text, out value, out var consumed) && consumed == text.Length;
}
