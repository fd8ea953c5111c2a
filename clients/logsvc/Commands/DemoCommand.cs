using System.CommandLine;
using LogService.Cli.Demo;
using LogService.Sealing;
using Spectre.Console;

namespace LogService.Cli.Commands;

/// <summary><c>logsvc demo</c>: seals a stream, tampers with copies of it and shows what verification finds.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var entries = new Option<int>("--entries")
        {
            Description = "Number of data entries to seal.",
            DefaultValueFactory = _ => SealingDemo.DefaultDataEntries,
        };
        var command = new Command("demo", "Seal a stream, tamper with copies of it, and verify each copy.");
        command.Options.Add(entries);
        command.SetAction(parseResult => Run(parseResult.GetValue(entries)));
        return command;
    }

    private static int Run(int dataEntries)
    {
        if (dataEntries < SealingDemo.MinimumDataEntries)
        {
            throw CliException.Usage($"--entries must be at least {SealingDemo.MinimumDataEntries}");
        }

        var demo = SealingDemo.Run(dataEntries, SystemRandomSource.Instance);
        AnsiConsole.MarkupLine($"Sealed stream [bold]{Markup.Escape(demo.StreamId)}[/]: {demo.EntryCount:N0} entries (open, {dataEntries:N0} data, checkpoints, close).");
        AnsiConsole.MarkupLine($"Head [grey]{Convert.ToHexStringLower(demo.Head.Span)}[/], Merkle root [grey]{Convert.ToHexStringLower(demo.MerkleRoot)}[/].");
        AnsiConsole.MarkupLine($"Inclusion proof for entry {demo.ProvenEntry}: {demo.InclusionProofLength} hashes, {(demo.InclusionProofHolds ? "[green]holds[/]" : "[red]FAILS[/]")}.");
        AnsiConsole.WriteLine();

        var table = new Table().AddColumn("Copy").AddColumn("What was done").AddColumn("What verification found");
        foreach (var outcome in demo.Outcomes)
        {
            var found = outcome.Report.IsValid
                ? $"[green]{Markup.Escape(outcome.Report.ToString())}[/]"
                : $"[red]{Markup.Escape(outcome.Report.ToString())}[/]";
            table.AddRow(Markup.Escape(outcome.Name), Markup.Escape(outcome.Tampering), found);
        }

        AnsiConsole.Write(table);
        var allAsExpected = demo.Outcomes.All(o => o.AsExpected);
        AnsiConsole.MarkupLine(allAsExpected
            ? "[green]Every copy was judged as expected: the intact stream verifies and each tampering is found where it was made.[/]"
            : "[red]Some copy was not judged as expected.[/]");
        return allAsExpected ? 0 : 1;
    }
}
