using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace LogService.Core.Entries;

/// <summary>
/// An immutable JSON value inside an entry's properties. Numbers keep the exact text the writer sent
/// (no rounding through <see cref="double"/>) and objects keep their members in the order sent, so an
/// entry's body can be encoded, sealed and shown back without losing anything.
/// </summary>
public sealed class LogValue : IEquatable<LogValue>
{
    private readonly string? _text;
    private readonly ImmutableArray<LogValue> _items;
    private readonly ImmutableArray<LogProperty> _members;

    private LogValue(LogValueKind kind, string? text, ImmutableArray<LogValue> items, ImmutableArray<LogProperty> members)
    {
        Kind = kind;
        _text = text;
        _items = items.IsDefault ? [] : items;
        _members = members.IsDefault ? [] : members;
    }

    /// <summary>JSON <c>null</c>.</summary>
    public static LogValue Null { get; } = new(LogValueKind.Null, null, [], []);

    /// <summary>JSON <c>true</c>.</summary>
    public static LogValue True { get; } = new(LogValueKind.True, null, [], []);

    /// <summary>JSON <c>false</c>.</summary>
    public static LogValue False { get; } = new(LogValueKind.False, null, [], []);

    /// <summary>The kind of value.</summary>
    public LogValueKind Kind { get; }

    /// <summary>The string, or the number's text; <c>null</c> for other kinds.</summary>
    public string? Text => _text;

    /// <summary>The items of an array; empty for other kinds.</summary>
    public ImmutableArray<LogValue> Items => _items;

    /// <summary>The members of an object in the order sent; empty for other kinds.</summary>
    public ImmutableArray<LogProperty> Members => _members;

    /// <summary>A boolean value.</summary>
    public static LogValue Boolean(bool value) => value ? True : False;

    /// <summary>A string value.</summary>
    public static LogValue String(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(LogValueKind.String, value, [], []);
    }

    /// <summary>A number given as JSON number text, e.g. <c>"-1.50e3"</c>.</summary>
    /// <exception cref="ArgumentException">The text is not a JSON number.</exception>
    public static LogValue Number(string jsonNumberText)
    {
        ArgumentNullException.ThrowIfNull(jsonNumberText);
        if (!JsonNumberText.IsValid(jsonNumberText))
        {
            throw new ArgumentException($"'{jsonNumberText}' is not a JSON number.", nameof(jsonNumberText));
        }

        return new(LogValueKind.Number, jsonNumberText, [], []);
    }

    /// <summary>A number when <paramref name="jsonNumberText"/> is JSON number text; false otherwise.</summary>
    public static bool TryNumber(string jsonNumberText, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LogValue? value)
    {
        value = jsonNumberText is not null && JsonNumberText.IsValid(jsonNumberText) ? new(LogValueKind.Number, jsonNumberText, [], []) : null;
        return value is not null;
    }

    /// <summary>An array of values.</summary>
    public static LogValue Array(ImmutableArray<LogValue> items) => new(LogValueKind.Array, null, items, []);

    /// <summary>An object; member names must be distinct.</summary>
    /// <exception cref="ArgumentException">Two members share a name.</exception>
    public static LogValue Object(ImmutableArray<LogProperty> members)
    {
        if (FindDuplicateName(members.AsSpan()) is { } duplicate)
        {
            throw new ArgumentException($"Duplicate member name '{duplicate}'.", nameof(members));
        }

        return new(LogValueKind.Object, null, [], members);
    }

    /// <summary>Builds a number without re-checking text already validated by a JSON reader or decoder.</summary>
    internal static LogValue TrustedNumber(string jsonNumberText) => new(LogValueKind.Number, jsonNumberText, [], []);

    /// <summary>Builds an object without re-checking names already checked by the caller.</summary>
    internal static LogValue TrustedObject(LogProperty[] members) =>
        new(LogValueKind.Object, null, [], ImmutableCollectionsMarshal.AsImmutableArray(members));

    /// <summary>Builds an array that takes ownership of <paramref name="items"/>.</summary>
    internal static LogValue TrustedArray(LogValue[] items) =>
        new(LogValueKind.Array, null, ImmutableCollectionsMarshal.AsImmutableArray(items), []);

    /// <summary>The first name that occurs twice in <paramref name="members"/>, or <c>null</c>.</summary>
    public static string? FindDuplicateName(ReadOnlySpan<LogProperty> members)
    {
        // Property lists are short; a quadratic scan beats hashing below a few dozen names.
        if (members.Length <= 32)
        {
            for (var i = 1; i < members.Length; i++)
            {
                for (var j = 0; j < i; j++)
                {
                    if (string.Equals(members[i].Name, members[j].Name, StringComparison.Ordinal))
                    {
                        return members[i].Name;
                    }
                }
            }

            return null;
        }

        var seen = new HashSet<string>(members.Length, StringComparer.Ordinal);
        foreach (var member in members)
        {
            if (!seen.Add(member.Name))
            {
                return member.Name;
            }
        }

        return null;
    }

    /// <summary>Writes the value as JSON.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        switch (Kind)
        {
            case LogValueKind.Null: writer.WriteNullValue(); break;
            case LogValueKind.False: writer.WriteBooleanValue(false); break;
            case LogValueKind.True: writer.WriteBooleanValue(true); break;
            case LogValueKind.Number: writer.WriteRawValue(_text!, skipInputValidation: true); break;
            case LogValueKind.String: writer.WriteStringValue(_text); break;
            case LogValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in _items)
                {
                    item.WriteTo(writer);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStartObject();
                foreach (var member in _members)
                {
                    writer.WritePropertyName(member.Name);
                    member.Value.WriteTo(writer);
                }

                writer.WriteEndObject();
                break;
        }
    }

    /// <summary>The value as compact JSON text.</summary>
    public override string ToString()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <inheritdoc />
    public bool Equals(LogValue? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || other.Kind != Kind || !string.Equals(other._text, _text, StringComparison.Ordinal))
        {
            return false;
        }

        return Kind switch
        {
            LogValueKind.Array => _items.AsSpan().SequenceEqual(other._items.AsSpan()),
            LogValueKind.Object => MembersEqual(_members, other._members),
            _ => true,
        };
    }

    /// <summary>True when both lists hold equal members in the same order.</summary>
    public static bool MembersEqual(ImmutableArray<LogProperty> left, ImmutableArray<LogProperty> right)
    {
        if (left.Length != right.Length)
        {
            return false;
        }

        for (var i = 0; i < left.Length; i++)
        {
            if (!string.Equals(left[i].Name, right[i].Name, StringComparison.Ordinal) || !left[i].Value.Equals(right[i].Value))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as LogValue);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, _text, _items.Length, _members.Length);
}
