using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace LogService.Bench;

/// <summary>One benchmark scenario, found by name on the command line.</summary>
internal interface IBenchScenario
{
    /// <summary>The scenario name used on the command line (DESIGN §13).</summary>
    string Name { get; }

    /// <summary>Runs the scenario and returns its figures, including the baseline it measured in the same run.</summary>
    Task<JsonObject> RunAsync(BenchContext context);
}

/// <summary>What a scenario is given: the quick flag and a progress reporter.</summary>
internal sealed record BenchContext(bool Quick, BenchProgress Progress);

/// <summary>Periodic progress lines on standard error, so long runs show they are alive.</summary>
internal sealed class BenchProgress(string scenario)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>Reports a step, e.g. <c>Report("seal", 40_000, 100_000)</c>.</summary>
    public void Report(string step, long done, long total)
    {
        var pct = total > 0 ? 100.0 * done / total : 0;
        System.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{scenario} {_clock.Elapsed.TotalSeconds,6:F1}s] {step}: {done:N0}/{total:N0} ({pct:F0}%)"));
    }

    /// <summary>Reports a free-form line.</summary>
    public void Note(string message) =>
        System.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{scenario} {_clock.Elapsed.TotalSeconds,6:F1}s] {message}"));
}

/// <summary>Small statistics helpers shared by scenarios.</summary>
internal static class Stats
{
    /// <summary>The q-quantile (0..1) of the samples, nearest-rank.</summary>
    public static double Percentile(IReadOnlyList<double> samples, double q)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        var sorted = samples.Order().ToArray();
        var rank = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    /// <summary>The one-minute load average now (Linux), to note beside every figure on this shared machine.</summary>
    public static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>Rounds a figure for the JSON line.</summary>
    public static double Round(double value, int digits = 1) => Math.Round(value, digits);
}
