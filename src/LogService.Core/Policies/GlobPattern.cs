using System.Text;
using System.Text.RegularExpressions;

namespace LogService.Core.Policies;

/// <summary>
/// A name pattern: <c>**</c> matches anything, <c>*</c> matches within one segment, <c>?</c> one character
/// of a segment. Stream names use '/' between segments, field paths '.'.
/// </summary>
internal sealed class GlobPattern
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);
    private readonly Regex regex;

    private GlobPattern(string text, Regex regex)
    {
        Text = text;
        this.regex = regex;
    }

    public string Text { get; }

    public static GlobPattern Compile(string pattern, char separator)
    {
        var sep = Regex.Escape(separator.ToString());
        var builder = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                builder.Append(".*");
                i++;
            }
            else if (c == '*')
            {
                builder.Append("[^").Append(sep).Append("]*");
            }
            else if (c == '?')
            {
                builder.Append("[^").Append(sep).Append(']');
            }
            else
            {
                builder.Append(Regex.Escape(c.ToString()));
            }
        }

        builder.Append('$');
        var options = RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;
        return new GlobPattern(pattern, new Regex(builder.ToString(), options, MatchTimeout));
    }

    public bool IsMatch(string name) => regex.IsMatch(name);

    public override string ToString() => Text;
}
