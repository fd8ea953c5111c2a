using LogService.Cli.Output;

namespace LogService.Cli.Tests.Support;

/// <summary>Runs the command tree in this process with captured streams and a private configuration folder.</summary>
public sealed class InProcessCli : IDisposable
{
    public string ConfigDirectory { get; } = Directory.CreateTempSubdirectory("logsvc-config-").FullName;

    public Dictionary<string, string> Environment { get; } = [];

    public async Task<CliResult> PipeAsync(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = new CliConsole
        {
            Out = output,
            Error = error,
            In = new StringReader(stdin),
            Environment = name => name == "LOGSVC_CONFIG_DIR" ? ConfigDirectory : Environment.GetValueOrDefault(name),
        };
        var code = await CliApp.RunAsync(args, console, CancellationToken.None);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public Task<CliResult> RunAsync(params string[] args) => PipeAsync("", args);

    public void Dispose() => Directory.Delete(ConfigDirectory, recursive: true);
}
