using System.Text;
using LogService.Core.Policies;

namespace LogService.Server.Reading;

/// <summary>
/// The policy's redaction for one caller, one stream and one page. The policy hides a field by its dotted path,
/// never by its value (<see cref="IPolicyDecisionPoint.Redact"/>), so bodies whose properties have the same names
/// in the same nesting are redacted alike: the policy is asked once per such shape, and the paths it hid are hidden
/// in every later body of that shape. An answer that is not "the same fields, some replaced by the marker" is not
/// reused: such a shape goes to the policy for every body. Made per page and caller, so nothing is shared between
/// callers and a policy change applies from the next page on.
/// </summary>
internal sealed class PageRedaction(Func<IReadOnlyDictionary<string, object?>, IReadOnlyDictionary<string, object?>> redact)
{
    private readonly Dictionary<string, HashSet<string>?> _hiddenByShape = new(StringComparer.Ordinal);

    /// <summary>The fields as the policy shows them to this caller.</summary>
    public IReadOnlyDictionary<string, object?> Apply(IReadOnlyDictionary<string, object?> fields)
    {
        var shape = new StringBuilder();
        AppendShape(shape, fields);
        var key = shape.ToString();
        if (_hiddenByShape.TryGetValue(key, out var hidden))
        {
            return hidden is null ? redact(fields) : hidden.Count == 0 ? fields : Hide(fields, hidden, prefix: null);
        }

        var redacted = redact(fields);
        var paths = new HashSet<string>(StringComparer.Ordinal);
        _hiddenByShape[key] = CollectHidden(fields, redacted, prefix: null, paths) ? paths : null;
        return redacted;
    }

    /// <summary>Names with their lengths (so no name can imitate the structure), nested members in braces.</summary>
    private static void AppendShape(StringBuilder shape, IReadOnlyDictionary<string, object?> fields)
    {
        foreach (var (name, value) in fields)
        {
            shape.Append(name.Length).Append(':').Append(name);
            if (value is IReadOnlyDictionary<string, object?> nested)
            {
                shape.Append('{');
                AppendShape(shape, nested);
                shape.Append('}');
            }

            shape.Append(';');
        }
    }

    /// <summary>Records the paths the policy replaced by the marker; false when its answer is anything else.</summary>
    private static bool CollectHidden(IReadOnlyDictionary<string, object?> original, IReadOnlyDictionary<string, object?> redacted, string? prefix, HashSet<string> hidden)
    {
        if (redacted.Count != original.Count)
        {
            return false;
        }

        foreach (var (name, value) in original)
        {
            var path = prefix is null ? name : prefix + "." + name;
            if (!redacted.TryGetValue(name, out var shown))
            {
                return false;
            }

            if (shown is string marker && marker == Redaction.Marker)
            {
                hidden.Add(path);
            }
            else if (value is IReadOnlyDictionary<string, object?> nested)
            {
                if (shown is not IReadOnlyDictionary<string, object?> shownNested || !CollectHidden(nested, shownNested, path, hidden))
                {
                    return false;
                }
            }
            else if (!ReferenceEquals(shown, value))
            {
                return false;
            }
        }

        return true;
    }

    private static Dictionary<string, object?> Hide(IReadOnlyDictionary<string, object?> fields, HashSet<string> hidden, string? prefix)
    {
        var result = new Dictionary<string, object?>(fields.Count, StringComparer.Ordinal);
        foreach (var (name, value) in fields)
        {
            var path = prefix is null ? name : prefix + "." + name;
            result[name] = hidden.Contains(path) ? Redaction.Marker
                : value is IReadOnlyDictionary<string, object?> nested ? Hide(nested, hidden, path)
                : value;
        }

        return result;
    }
}
