using Serilog.Core;
using LogService.Client.Auth;
using LogService.Client.Trust;

namespace Serilog.Sinks.LogService.Tests.Support;

/// <summary>Builds sinks on a temporary buffer directory with short backoffs, pinned to the fake keys.</summary>
internal sealed class SinkHarness : IDisposable
{
    public SinkHarness() => Directory.CreateDirectory(BufferDirectory);

    public FakeReplicaKeys Keys { get; } = new();

    public string BufferDirectory { get; } = Path.Combine(Path.GetTempPath(), "sink-tests-" + Guid.NewGuid().ToString("N"));

    public string DeadLetterPath => Path.Combine(BufferDirectory, "dead-letter.jsonl");

    public LogServiceSinkOptions Options(params Uri[] servers)
    {
        var options = new LogServiceSinkOptions
        {
            Stream = "acme/orders",
            BufferDirectory = BufferDirectory,
            BatchSizeLimit = 10,
            Period = TimeSpan.FromMilliseconds(50),
            MinimumBackoff = TimeSpan.FromMilliseconds(5),
            MaximumBackoff = TimeSpan.FromMilliseconds(100),
            FlushTimeout = TimeSpan.FromSeconds(30),
            ReplicaKeys = ReplicaKeySet.Parse(Keys.KeySetJson()),
            Credentials = new StaticTokenSource("test-token"),
        };
        foreach (var server in servers)
        {
            options.ServerUrls.Add(server);
        }

        return options;
    }

    public static LogServiceSink Sink(LogServiceSinkOptions options) => new(options);

    public static Logger Logger(LogServiceSink sink) => new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(sink).CreateLogger();

    public void Dispose()
    {
        Keys.Dispose();
        try
        {
            Directory.Delete(BufferDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still be closing its files; the directory is temporary anyway.
        }
    }
}
