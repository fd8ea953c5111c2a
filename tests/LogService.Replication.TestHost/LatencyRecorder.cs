using System.Diagnostics;

namespace LogService.Replication.TestHost;

/// <summary>Counts completed operations and keeps their latencies (up to a cap) without locks.</summary>
internal sealed class LatencyRecorder(int capacity = 2_000_000)
{
    private readonly double[] _millis = new double[capacity];
    private long _count;
    private volatile bool _recording;

    public long Count => Interlocked.Read(ref _count);

    /// <summary>Starts counting (operations finishing before this are warm-up).</summary>
    public void Start() => _recording = true;

    public void Stop() => _recording = false;

    public void Record(long startTimestamp)
    {
        if (!_recording)
        {
            return;
        }

        var index = Interlocked.Increment(ref _count) - 1;
        if (index < _millis.Length)
        {
            _millis[index] = Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
        }
    }

    public IReadOnlyList<double> Samples() => new ArraySegment<double>(_millis, 0, (int)Math.Min(Count, _millis.Length));

    /// <summary>The q-quantile (0..1) of the recorded latencies, nearest-rank, in milliseconds.</summary>
    public double Percentile(double q)
    {
        var sorted = Samples().Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
