namespace LogService.Server.Ingestion;

/// <summary>
/// Turns Serilog.Sinks.Http's normal-format <c>Renderings</c> (grouped by property name) into CLEF's <c>@r</c>
/// order: one rendering per template token that has a format, in template order.
/// </summary>
internal static class TemplateRenderings
{
    /// <summary>The renderings in template order, or <c>null</c> when they do not match the template's formatted tokens.</summary>
    public static string[]? InTemplateOrder(string template, Dictionary<string, Queue<string>> byName)
    {
        var ordered = new List<string>();
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            if (open < 0)
            {
                break;
            }

            if (open + 1 < template.Length && template[open + 1] == '{')
            {
                i = open + 2;
                continue;
            }

            var close = template.IndexOf('}', open + 1);
            if (close < 0)
            {
                break;
            }

            var token = template.AsSpan(open + 1, close - open - 1);
            i = close + 1;
            if (token.Length > 0 && token[0] is '@' or '$')
            {
                token = token[1..];
            }

            var nameEnd = token.IndexOfAny(',', ':');
            var name = nameEnd < 0 ? token : token[..nameEnd];
            if (nameEnd < 0 || token[nameEnd..].IndexOf(':') < 0 || !IsPropertyName(name))
            {
                continue;
            }

            if (!byName.TryGetValue(name.ToString(), out var renderings) || !renderings.TryDequeue(out var rendering))
            {
                return null;
            }

            ordered.Add(rendering);
        }

        return byName.Values.All(q => q.Count == 0) ? [.. ordered] : null;
    }

    private static bool IsPropertyName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
