using System.Globalization;

namespace LogService.Cli.Output;

/// <summary>
/// Progress on standard error: on a terminal one bar redrawn in place (at most 10 times a second); otherwise a count
/// line every few seconds, so logs of long runs show it is still moving. Safe to report from several threads.
/// </summary>
internal sealed class ProgressLine(CliConsole console, string what)
{
    private static readonly TimeSpan TerminalInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(2);
    private const int BarWidth = 30;

    private readonly Lock _gate = new();
    private long _lastDrawn = long.MinValue;
    private bool _drawnInPlace;

    /// <summary>Reports <paramref name="done"/> of <paramref name="total"/> entries (a negative total when the end is not known).</summary>
    public void Report(string phase, long done, long total)
    {
        lock (_gate)
        {
            var now = console.Time.GetTimestamp();
            var interval = console.ErrorIsTerminal ? TerminalInterval : LogInterval;
            if (_lastDrawn != long.MinValue && console.Time.GetElapsedTime(_lastDrawn, now) < interval && (done < total || total < 0))
            {
                return;
            }

            _lastDrawn = now;
            var counts = total < 0 ? done.ToString("N0", CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{done:N0}/{total:N0}");
            if (total < 0)
            {
                // No end known (a pipe): counts only.
                console.Error.Write(console.ErrorIsTerminal ? $"\r{what} {phase}: {counts} entries   " : $"{what} {phase}: {counts} entries{Environment.NewLine}");
                _drawnInPlace = console.ErrorIsTerminal;
            }
            else if (console.ErrorIsTerminal)
            {
                var filled = total <= 0 ? BarWidth : (int)(BarWidth * Math.Clamp((double)done / total, 0, 1));
                console.Error.Write($"\r{what} {phase} [{new string('#', filled)}{new string('.', BarWidth - filled)}] {counts}   ");
                _drawnInPlace = true;
            }
            else
            {
                console.Error.WriteLine($"{what} {phase}: {counts} entries");
            }
        }
    }

    /// <summary>Ends the bar's line, so what follows starts on a fresh one.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            if (_drawnInPlace)
            {
                console.Error.WriteLine();
                _drawnInPlace = false;
            }
        }
    }
}
