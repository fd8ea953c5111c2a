using LogService.Core.Entries;

namespace LogService.Server.Ingestion;

/// <summary>
/// Level names writers use, case-insensitive: Serilog's names and their three- and four-letter forms, plus the
/// .NET and OpenTelemetry synonyms (Trace, Info, Warn, Critical).
/// </summary>
internal static class LevelNames
{
    private static readonly Dictionary<string, EntryLevel> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Verbose"] = EntryLevel.Verbose, ["vrb"] = EntryLevel.Verbose, ["verb"] = EntryLevel.Verbose, ["Trace"] = EntryLevel.Verbose, ["trc"] = EntryLevel.Verbose,
        ["Debug"] = EntryLevel.Debug, ["dbg"] = EntryLevel.Debug, ["dbug"] = EntryLevel.Debug,
        ["Information"] = EntryLevel.Information, ["inf"] = EntryLevel.Information, ["Info"] = EntryLevel.Information,
        ["Warning"] = EntryLevel.Warning, ["wrn"] = EntryLevel.Warning, ["Warn"] = EntryLevel.Warning,
        ["Error"] = EntryLevel.Error, ["err"] = EntryLevel.Error, ["eror"] = EntryLevel.Error,
        ["Fatal"] = EntryLevel.Fatal, ["ftl"] = EntryLevel.Fatal, ["fatl"] = EntryLevel.Fatal, ["Critical"] = EntryLevel.Fatal, ["crit"] = EntryLevel.Fatal,
    };

    private static readonly Dictionary<string, EntryLevel>.AlternateLookup<ReadOnlySpan<char>> Lookup = Names.GetAlternateLookup<ReadOnlySpan<char>>();

    public static bool TryParse(ReadOnlySpan<char> name, out EntryLevel level) => Lookup.TryGetValue(name, out level);
}
