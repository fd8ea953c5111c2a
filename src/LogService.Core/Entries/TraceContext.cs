namespace LogService.Core.Entries;

/// <summary>Checks and normalizes W3C trace-context ids as writers send them in hex.</summary>
public static class TraceContext
{
    /// <summary>Hex digits of a trace id.</summary>
    public const int TraceIdHexLength = 32;

    /// <summary>Hex digits of a span id.</summary>
    public const int SpanIdHexLength = 16;

    /// <summary>
    /// Normalizes a hex id of <paramref name="hexLength"/> digits to lowercase. Returns false when the text is
    /// not such an id; <paramref name="id"/> is <c>null</c> for an empty or all-zero id, which W3C and OTLP
    /// define as "no id".
    /// </summary>
    public static bool TryNormalize(ReadOnlySpan<char> text, int hexLength, out string? id)
    {
        id = null;
        if (text.IsEmpty)
        {
            return true;
        }

        if (text.Length != hexLength)
        {
            return false;
        }

        var allZero = true;
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }

            allZero &= c == '0';
        }

        if (!allZero)
        {
            id = text.ToString().ToLowerInvariant();
        }

        return true;
    }

    /// <summary>True for <c>null</c> or a normalized (lowercase, non-zero) id of <paramref name="hexLength"/> digits.</summary>
    public static bool IsValidId(string? id, int hexLength) =>
        id is null || (TryNormalize(id, hexLength, out var normalized) && normalized == id);
}
