namespace LogService.Cli.Tests.Support;

/// <summary>What one logsvc run left behind.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Error}";
}
