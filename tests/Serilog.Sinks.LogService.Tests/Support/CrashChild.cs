using System.Globalization;

namespace Serilog.Sinks.LogService.Tests.Support;

/// <summary>
/// The test assembly's entry point, used only as the child process of the crash test:
/// <c>crash-child BUFFER_DIR SERVER_URL KEYSET_FILE FIRST COUNT</c> logs events numbered FIRST.. through the sink
/// (COUNT &lt; 0: until killed), then disposes the logger, which flushes the buffer.
/// </summary>
internal static class CrashChild
{
    public static int Main(string[] args)
    {
        if (args.Length != 6 || args[0] != "crash-child")
        {
            Console.Error.WriteLine("usage: crash-child BUFFER_DIR SERVER_URL KEYSET_FILE FIRST COUNT");
            return 2;
        }

        var options = new LogServiceSinkOptions
        {
            Stream = "acme/orders",
            BufferDirectory = args[1],
            BatchSizeLimit = 200,
            Period = TimeSpan.FromMilliseconds(20),
            MinimumBackoff = TimeSpan.FromMilliseconds(5),
            MaximumBackoff = TimeSpan.FromMilliseconds(100),
            FlushTimeout = TimeSpan.FromSeconds(60),
        };
        options.ServerUrls.Add(new Uri(args[2]));
        options.ReplicaKeys = global::LogService.Client.Trust.ReplicaKeySet.Load(args[3]);
        options.Credentials = new global::LogService.Client.Auth.StaticTokenSource("test-token");
        var first = long.Parse(args[4], CultureInfo.InvariantCulture);
        var count = long.Parse(args[5], CultureInfo.InvariantCulture);
        using var logger = SinkHarness.Logger(new LogServiceSink(options));
        for (var i = first; count < 0 || i < first + count; i++)
        {
            logger.Information("Crash test event {I} with some padding {Padding}", i, "0123456789abcdef0123456789abcdef");
            if (i % 20 == 19)
            {
                Thread.Sleep(1); // about 20,000 events a second: enough to be mid-write at the kill, little to drain after
            }

            if (i == first)
            {
                Console.Out.WriteLine("started");
                Console.Out.Flush();
            }
        }

        return 0;
    }
}
