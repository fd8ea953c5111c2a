using System.Diagnostics;

namespace LogService.Cli.Tests.Support;

/// <summary>Runs the built logsvc binary as its own process, the way a user does, with a private configuration folder.</summary>
public sealed class CliProcess : IDisposable
{
    private static readonly string Binary = FindBinary();

    public string ConfigDirectory { get; } = Directory.CreateTempSubdirectory("logsvc-config-").FullName;

    public Dictionary<string, string> Environment { get; } = [];

    public async Task<CliResult> PipeAsync(string? stdin, params string[] args)
    {
        using var process = Start(args);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"logsvc {string.Join(' ', args)} did not finish: {await error}");
        }

        return new CliResult(process.ExitCode, await output, await error);
    }

    public Task<CliResult> RunAsync(params string[] args) => PipeAsync(null, args);

    /// <summary>Starts logsvc and leaves it running (for <c>tail -f</c>); the caller reads and kills it.</summary>
    public Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Binary);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["LOGSVC_CONFIG_DIR"] = ConfigDirectory;
        info.Environment.Remove("LOGSVC_CLIENT_SECRET");
        foreach (var (name, value) in Environment)
        {
            info.Environment[name] = value;
        }

        return Process.Start(info)!;
    }

    public void Dispose() => Directory.Delete(ConfigDirectory, recursive: true);

    /// <summary>The logsvc build of the same configuration as these tests (the project reference builds it first).</summary>
    private static string FindBinary()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = testBin.Parent!.Name;
        for (var dir = testBin; dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "clients", "logsvc", "bin", configuration, testBin.Name, "logsvc.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("the built logsvc.dll was not found above the test binaries");
    }
}
