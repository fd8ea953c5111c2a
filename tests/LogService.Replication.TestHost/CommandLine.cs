using System.Globalization;

namespace LogService.Replication.TestHost;

/// <summary>The host's <c>--name value</c> and <c>--flag</c> arguments.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string?> _values = [];

    public static CommandLine Parse(string[] args)
    {
        var parsed = new CommandLine();
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            }

            var hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            parsed._values[args[i][2..]] = hasValue ? args[++i] : null;
        }

        return parsed;
    }

    public string Text(string name, string? fallback = null) =>
        TextOrNull(name) ?? fallback ?? throw new ArgumentException($"--{name} is required");

    public string? TextOrNull(string name) => _values.GetValueOrDefault(name);

    public int Int(string name, int? fallback = null) =>
        _values.TryGetValue(name, out var value) && value is not null
            ? int.Parse(value, CultureInfo.InvariantCulture)
            : fallback ?? throw new ArgumentException($"--{name} is required");

    public bool Flag(string name) => _values.ContainsKey(name);
}
