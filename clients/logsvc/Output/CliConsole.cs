using Spectre.Console;

namespace LogService.Cli.Output;

/// <summary>The process's streams, terminal detection, environment and clock, passed in so commands run in tests too.</summary>
internal sealed class CliConsole
{
    private IAnsiConsole? _ansi;

    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public required TextReader In { get; init; }

    /// <summary>Standard output is a terminal: tables and colours by default.</summary>
    public bool OutIsTerminal { get; init; }

    /// <summary>Standard error is a terminal: a progress bar redrawn in place instead of periodic count lines.</summary>
    public bool ErrorIsTerminal { get; init; }

    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Spectre's console over <see cref="Out"/>, with colours only on a terminal.</summary>
    public IAnsiConsole Ansi => _ansi ??= AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Out),
        Ansi = OutIsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = OutIsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = InteractionSupport.No,
    });

    public static CliConsole FromProcess() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        In = Console.In,
        OutIsTerminal = !Console.IsOutputRedirected,
        ErrorIsTerminal = !Console.IsErrorRedirected,
    };
}
