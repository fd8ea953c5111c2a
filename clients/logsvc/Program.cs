using LogService.Cli;
using LogService.Cli.Output;

// logsvc: the LogService command line. The commands live under Commands/, one file each; CliApp maps failures to exit codes.
using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl-C stops the command cleanly (tail -f ends with the entries shown so far); a second one kills.
    e.Cancel = !interrupted.IsCancellationRequested;
    interrupted.Cancel();
};
return await CliApp.RunAsync(args, CliConsole.FromProcess(), interrupted.Token);
