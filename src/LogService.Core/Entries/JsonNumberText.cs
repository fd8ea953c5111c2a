using System.Numerics;

namespace LogService.Core.Entries;

/// <summary>Checks the JSON number grammar (RFC 8259 §6), so number text can be stored and re-emitted verbatim.</summary>
internal static class JsonNumberText
{
    /// <summary>True when <paramref name="text"/> is exactly one JSON number.</summary>
    public static bool IsValid(ReadOnlySpan<char> text) => IsValidNumber(text);

    /// <summary>
    /// True when the UTF-8 <paramref name="text"/> is exactly one JSON number. The grammar is ASCII only, so this
    /// agrees with <see cref="IsValid(ReadOnlySpan{char})"/> on the decoded text of any valid UTF-8.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<byte> text) => IsValidNumber(text);

    private static bool IsValidNumber<TUnit>(ReadOnlySpan<TUnit> text)
        where TUnit : unmanaged, IBinaryInteger<TUnit>
    {
        var i = 0;
        if (Is(text, i, '-'))
        {
            i++;
        }

        if (i >= text.Length)
        {
            return false;
        }

        if (Is(text, i, '0'))
        {
            i++;
        }
        else if (!SkipDigits(text, ref i))
        {
            return false;
        }

        if (Is(text, i, '.'))
        {
            i++;
            if (!SkipDigits(text, ref i))
            {
                return false;
            }
        }

        if (Is(text, i, 'e') || Is(text, i, 'E'))
        {
            i++;
            if (Is(text, i, '+') || Is(text, i, '-'))
            {
                i++;
            }

            if (!SkipDigits(text, ref i))
            {
                return false;
            }
        }

        return i == text.Length;
    }

    private static bool Is<TUnit>(ReadOnlySpan<TUnit> text, int i, char expected)
        where TUnit : unmanaged, IBinaryInteger<TUnit> =>
        i < text.Length && uint.CreateTruncating(text[i]) == expected;

    private static bool SkipDigits<TUnit>(ReadOnlySpan<TUnit> text, ref int i)
        where TUnit : unmanaged, IBinaryInteger<TUnit>
    {
        var start = i;
        while (i < text.Length && uint.CreateTruncating(text[i]) - '0' <= 9)
        {
            i++;
        }

        return i > start;
    }
}
