using System.CommandLine;
using LogService.Cli.Commands;
using LogService.Cli.Output;

namespace LogService.Cli;

/// <summary>
/// The command tree and the one place failures become exit codes: every error ends as one line on standard error
/// (<c>logsvc: …</c>) and an exit code from <see cref="ExitCodes"/>.
/// </summary>
internal static class CliApp
{
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("LogService command line: tamper-evident, confidential logs.");
        root.Options.Add(context.Globals.Servers);
        root.Options.Add(context.Globals.Output);
        root.Options.Add(context.Globals.Json);
        root.Subcommands.Add(LoginCommand.Create(context));
        root.Subcommands.Add(StreamsCommand.Create(context));
        root.Subcommands.Add(WriteCommand.Create(context));
        root.Subcommands.Add(PipeCommand.Create(context));
        root.Subcommands.Add(QueryCommand.Create(context));
        root.Subcommands.Add(TailCommand.Create(context));
        root.Subcommands.Add(GetCommand.Create(context));
        root.Subcommands.Add(VerifyCommand.Create(context));
        root.Subcommands.Add(ExportCommand.Create(context));
        root.Subcommands.Add(KeysCommand.Create(context));
        root.Subcommands.Add(AttestCommand.Create(context));
        root.Subcommands.Add(DemoCommand.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken)
    {
        var context = new CliContext(console, new GlobalOptions());
        var parse = Build(context).Parse(args);
        if (parse.Errors.Count > 0)
        {
            var command = string.Join(' ', parse.CommandResult.Command.Name == "logsvc" ? [] : Path(parse.CommandResult));
            // An unknown word explains more than the missing command it displaced.
            var error = parse.Errors.FirstOrDefault(e => parse.UnmatchedTokens.Any(t => e.Message.Contains(t, StringComparison.Ordinal))) ?? parse.Errors[0];
            return Fail(console, ExitCodes.Usage, $"{error.Message} (see 'logsvc {command}{(command.Length > 0 ? " " : "")}--help')");
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            var (code, message) = cancellationToken.IsCancellationRequested ? (ExitCodes.Interrupted, "interrupted") : ExitCodes.For(e);
            return Fail(console, code, message);
        }
    }

    private static int Fail(CliConsole console, int code, string message)
    {
        console.Error.WriteLine("logsvc: " + message.ReplaceLineEndings(" "));
        return code;
    }

    private static IEnumerable<string> Path(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new Stack<string>();
        for (var current = result; current?.Parent is not null; current = current.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Push(current.Command.Name);
        }

        return names;
    }
}
