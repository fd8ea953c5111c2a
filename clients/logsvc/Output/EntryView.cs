using System.Globalization;
using System.Text.Json;
using LogService.Client;
using LogService.Client.Models;
using Spectre.Console;

namespace LogService.Cli.Output;

/// <summary>Prints entries as a table, plain lines or JSON lines.</summary>
internal static class EntryView
{
    /// <summary>What stands in for a body the caller may not read.</summary>
    public const string Unreadable = "(body not readable with your permissions)";

    public static void Print(CliConsole console, OutputMode mode, IReadOnlyList<LogEntry> entries)
    {
        switch (mode)
        {
            case OutputMode.Json:
                foreach (var entry in entries)
                {
                    console.Out.WriteLine(JsonSerializer.Serialize(entry, LogServiceClient.Json));
                }

                break;
            case OutputMode.Plain:
                foreach (var entry in entries)
                {
                    console.Out.WriteLine(PlainLine(entry));
                }

                break;
            default:
                if (entries.Count == 0)
                {
                    return;
                }

                var table = new Table().AddColumns("Entry", "Time (UTC)", "Level", "Message", "Integrity");
                foreach (var entry in entries)
                {
                    table.AddRow(
                        Markup.Escape($"{entry.StreamId}#{entry.Sequence}"),
                        Markup.Escape(Time(entry.Timestamp)),
                        LevelMarkup(entry.Level),
                        Markup.Escape(Message(entry)),
                        IntegrityMarkup(entry.Integrity));
                }

                console.Ansi.Write(table);
                break;
        }
    }

    /// <summary><c>2026-11-21T14:00:00.123456Z WRN acme/app#12 message</c>, with the integrity state when it is not <c>verified</c>.</summary>
    public static string PlainLine(LogEntry entry)
    {
        var line = $"{Time(entry.Timestamp)} {ShortLevel(entry.Level)} {entry.StreamId}#{entry.Sequence} {Message(entry)}";
        return entry.Integrity is { State: not "verified" } integrity
            ? $"{line} [integrity: {integrity.State}{(integrity.Detail is null ? "" : ": " + integrity.Detail)}]"
            : line;
    }

    public static string Message(LogEntry entry) =>
        entry.Body is null ? Unreadable : (entry.Body.RenderedMessage ?? entry.Body.MessageTemplate ?? $"({entry.Kind} entry)").ReplaceLineEndings(" ");

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);

    public static string ShortLevel(string? level) => level switch
    {
        "Verbose" => "VRB",
        "Debug" => "DBG",
        "Information" or null => "INF",
        "Warning" => "WRN",
        "Error" => "ERR",
        "Fatal" => "FTL",
        _ => level.ToUpperInvariant(),
    };

    private static string LevelMarkup(string? level)
    {
        var colour = level switch
        {
            "Warning" => "yellow",
            "Error" or "Fatal" => "red",
            "Verbose" or "Debug" => "grey",
            _ => "default",
        };
        return $"[{colour}]{Markup.Escape(ShortLevel(level))}[/]";
    }

    private static string IntegrityMarkup(IntegrityState? integrity) => integrity?.State switch
    {
        "verified" => "[green]verified[/]",
        "broken" => $"[red]BROKEN: {Markup.Escape(integrity.Detail ?? "")}[/]",
        null => "",
        var other => $"[grey]{Markup.Escape(other)}[/]",
    };
}
