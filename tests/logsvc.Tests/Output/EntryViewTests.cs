using System.Text.Json.Nodes;
using LogService.Cli.Output;
using LogService.Client.Models;

namespace LogService.Cli.Tests.Output;

public sealed class EntryViewTests
{
    private static readonly LogEntry Readable = new()
    {
        StreamId = "acme/app", Sequence = 12, Timestamp = new DateTimeOffset(2026, 11, 21, 14, 0, 0, TimeSpan.Zero).AddTicks(1234560),
        Level = "Warning", Kind = "data",
        Body = new EntryBody("Stock {Sku}", "Stock \"A-1\"\nlow", null, null, null, null, null),
        Integrity = new IntegrityState("verified", null),
    };

    private static readonly LogEntry Sealed = Readable with { Sequence = 13, Body = null, Integrity = new IntegrityState("broken", "bad MAC") };

    [Fact]
    public void APlainLineIsOneLineWithTheIntegrityStateOnlyWhenItIsNotVerified()
    {
        Assert.Equal("2026-11-21T14:00:00.123456Z WRN acme/app#12 Stock \"A-1\" low", EntryView.PlainLine(Readable));
        Assert.Equal($"2026-11-21T14:00:00.123456Z WRN acme/app#13 {EntryView.Unreadable} [integrity: broken: bad MAC]", EntryView.PlainLine(Sealed));
    }

    [Fact]
    public void JsonIsOneEntryPerLineInTheApisShape()
    {
        var (console, output) = Console(terminal: false);

        EntryView.Print(console, OutputMode.Json, [Readable, Sealed]);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal(("acme/app", 12L, "verified"), (JsonNode.Parse(lines[0])!["streamId"]!.GetValue<string>(), JsonNode.Parse(lines[0])!["sequence"]!.GetValue<long>(), JsonNode.Parse(lines[0])!["integrity"]!["state"]!.GetValue<string>()));
    }

    [Fact]
    public void ATableShowsEveryEntryWithoutColourCodesWhenNotOnATerminal()
    {
        var (console, output) = Console(terminal: false);

        EntryView.Print(console, OutputMode.Table, [Readable, Sealed]);

        var text = output.ToString();
        Assert.Contains("acme/app#12", text, StringComparison.Ordinal);
        Assert.Contains("BROKEN: bad MAC", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", text, StringComparison.Ordinal);
    }

    private static (CliConsole Console, StringWriter Output) Console(bool terminal)
    {
        var output = new StringWriter();
        return (new CliConsole { Out = output, Error = new StringWriter(), In = new StringReader(""), OutIsTerminal = terminal }, output);
    }
}
