using System.Runtime.InteropServices;

namespace LogService.Replication.TestHost;

/// <summary>How a host process ends: its standard input closes (the parent exited or let go) or it gets SIGTERM/SIGINT.</summary>
internal static class Lifetime
{
    /// <summary>Prints <c>ready</c> for the parent, then waits for the end.</summary>
    public static async Task RunUntilParentExitsAsync()
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
            using var input = Console.OpenStandardInput();
            var buffer = new byte[256];
            while (await input.ReadAsync(buffer) > 0)
            {
            }

            ended.TrySetResult();
        });
        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        await ended.Task;
    }
}
