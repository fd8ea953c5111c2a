using System.Collections.Concurrent;
using Serilog.Debugging;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Serilog.Sinks.LogService.Tests.Support;

/// <summary>Captures Serilog's SelfLog for one test (tests in this assembly run one at a time for this reason).</summary>
internal sealed class SelfLogCapture : IDisposable
{
    private readonly ConcurrentQueue<string> _lines = new();

    public SelfLogCapture() => SelfLog.Enable(line => _lines.Enqueue(line));

    public IReadOnlyList<string> Lines => _lines.ToArray();

    public bool Contains(string text) => _lines.Any(l => l.Contains(text, StringComparison.Ordinal));

    public void Dispose() => SelfLog.Disable();
}
