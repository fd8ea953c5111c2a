using System.CommandLine;
using LogService.Cli.Input;
using LogService.Cli.Output;
using LogService.Client.Models;

namespace LogService.Cli.Commands;

/// <summary>
/// <c>logsvc tail</c>: the last entries, oldest first; with <c>-f</c> it keeps polling for newer ones. Entries are
/// ordered by consensus time, which never goes backwards, so asking from the last time shown (and skipping the
/// entries already shown at exactly that time) misses nothing and repeats nothing.
/// </summary>
internal static class TailCommand
{
    public static Command Create(CliContext context)
    {
        var streams = new Argument<string[]>("stream") { Description = "Streams to follow, tenant/name (default: every stream you may read).", Arity = ArgumentArity.ZeroOrMore };
        var lines = new Option<int>("--lines", "-n") { Description = "How many of the latest entries to show first (0-1000).", DefaultValueFactory = _ => 10 };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep showing new entries until interrupted (Ctrl-C)." };
        var interval = new Option<string>("--interval") { Description = "How often to ask for new entries with -f.", DefaultValueFactory = _ => "1s" };
        var filters = new QueryFilters();
        var command = new Command("tail", "Show the latest entries; with -f, follow new ones.") { streams, lines, follow, interval };
        filters.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var count = parse.GetValue(lines);
            if (count is < 0 or > 1000)
            {
                throw CliException.Usage("--lines must be 0-1000");
            }

            var pause = ArgumentParsers.Duration(parse.GetValue(interval)!, "--interval");
            var query = filters.Query(parse, parse.GetValue(streams) ?? [], context.Console.Time.GetUtcNow());
            var mode = context.Mode(parse) == OutputMode.Table ? OutputMode.Plain : context.Mode(parse);
            using var session = context.Connect(parse);
            var position = new Position();
            if (count > 0)
            {
                await foreach (var page in session.Client.QueryPagesAsync(query with { Order = "newest", Limit = count }, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    var latest = page.Entries.Take(count).Reverse().ToList();
                    Show(context, mode, position, latest);
                    break;
                }
            }

            if (!parse.GetValue(follow))
            {
                return ExitCodes.Ok;
            }

            if (count == 0)
            {
                // -n 0: start after the newest entry, by the service's clock, not ours. With -n N and nothing shown the
                // follow starts from the filters' own window instead, so an entry written between the two queries is
                // shown rather than taken for the starting point.
                await foreach (var entry in session.Client.QueryAsync(query with { Order = "newest", Limit = 1 }, cancellationToken).ConfigureAwait(false))
                {
                    position.Advance(entry);
                    break;
                }
            }

            try
            {
                while (true)
                {
                    await Task.Delay(pause, context.Console.Time, cancellationToken).ConfigureAwait(false);
                    var newer = new List<LogEntry>();
                    await foreach (var entry in session.Client.QueryAsync(query with { Order = "oldest", From = position.Time ?? query.From, Limit = 1000 }, cancellationToken).ConfigureAwait(false))
                    {
                        newer.Add(entry);
                    }

                    Show(context, mode, position, newer);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C ends a follow normally: everything up to now was shown.
                return ExitCodes.Ok;
            }
        });
        return command;
    }

    private static void Show(CliContext context, OutputMode mode, Position position, List<LogEntry> entries)
    {
        var fresh = entries.Where(position.IsNew).ToList();
        EntryView.Print(context.Console, mode, fresh);
        context.Console.Out.Flush();
        foreach (var entry in fresh)
        {
            position.Advance(entry);
        }
    }

    /// <summary>The consensus time of the last entry shown, and the entries shown at exactly that time.</summary>
    private sealed class Position
    {
        private readonly HashSet<(string, long)> _shownAtTime = [];

        public DateTimeOffset? Time { get; private set; }

        public bool IsNew(LogEntry entry) => Time is not { } time || entry.Timestamp > time || (entry.Timestamp == time && !_shownAtTime.Contains((entry.StreamId, entry.Sequence)));

        public void Advance(LogEntry entry)
        {
            if (Time != entry.Timestamp)
            {
                Time = entry.Timestamp;
                _shownAtTime.Clear();
            }

            _shownAtTime.Add((entry.StreamId, entry.Sequence));
        }
    }
}
