using System.Runtime.InteropServices;

namespace LogService.Replication.TestHost;

/// <summary>
/// How a host process ends: its standard input closes (the parent exited or let go) or it gets SIGTERM/SIGINT.
/// A <c>stats</c> line on standard input asks for a statistics line on standard output.
/// </summary>
internal static class Lifetime
{
    /// <summary>Prints <c>ready</c> for the parent, then waits for the end.</summary>
    /// <param name="stats">Writes the statistics line when the parent asks for it.</param>
    public static async Task RunUntilParentExitsAsync(Action? stats = null)
    {
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            ended.TrySetResult();
        });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            ended.TrySetResult();
        });
        var stdin = Task.Run(async () =>
        {
            while (await Console.In.ReadLineAsync() is { } line)
            {
                if (line == "stats")
                {
                    stats?.Invoke();
                }
            }

            ended.TrySetResult();
        });
        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        await ended.Task;
    }
}
