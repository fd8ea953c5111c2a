namespace LogService.Server.Hosting;

/// <summary>
/// Stops the host when its standard input closes, which happens when the process that started it exits, however it
/// exits. Children of a launcher or a test fixture therefore never outlive it. Enabled by <c>--watch-parent</c>.
/// </summary>
internal sealed class ParentWatch(IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(
        async () =>
        {
            using var input = Console.OpenStandardInput();
            var buffer = new byte[256];
            try
            {
                while (await input.ReadAsync(buffer, stoppingToken).ConfigureAwait(false) > 0)
                {
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            lifetime.StopApplication();
        },
        stoppingToken);
}
