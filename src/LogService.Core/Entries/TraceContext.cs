using System.Buffers;

namespace LogService.Core.Entries;

/// <summary>Checks and normalizes W3C trace-context ids as writers send them in hex.</summary>
public static class TraceContext
{
    /// <summary>Hex digits of a trace id.</summary>
    public const int TraceIdHexLength = 32;

    /// <summary>Hex digits of a span id.</summary>
    public const int SpanIdHexLength = 16;

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");
    private static readonly SearchValues<char> LowerHexDigits = SearchValues.Create("0123456789abcdef");
    private static readonly SearchValues<char> UpperHexDigits = SearchValues.Create("ABCDEF");

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

        if (text.ContainsAnyExcept(HexDigits))
        {
            return false;
        }

        if (text.ContainsAnyExcept('0'))
        {
            id = text.ContainsAny(UpperHexDigits) ? text.ToString().ToLowerInvariant() : text.ToString();
        }

        return true;
    }

    /// <summary>True for <c>null</c> or a normalized (lowercase, non-zero) id of <paramref name="hexLength"/> digits.</summary>
    public static bool IsValidId(string? id, int hexLength) =>
        id is null || (id.Length == hexLength && !id.AsSpan().ContainsAnyExcept(LowerHexDigits) && id.AsSpan().ContainsAnyExcept('0'));
}
