using System.CommandLine;
using LogService.Cli.Output;
using LogService.Client;

namespace LogService.Cli.Commands;

/// <summary><c>logsvc query</c>: filtered entries, page by page, as a table, plain lines or JSON lines.</summary>
internal static class QueryCommand
{
    /// <summary>The service's largest page.</summary>
    private const int MaxPage = 1000;

    public static Command Create(CliContext context)
    {
        var streams = new Option<string[]>("--stream", "-s") { Description = "A stream to search, tenant/name (repeatable; default: every stream you may read)." };
        var order = new Option<string>("--order") { Description = "newest (default) or oldest first.", DefaultValueFactory = _ => "newest" };
        order.AcceptOnlyFromAmong("newest", "oldest");
        var limit = new Option<int>("--limit", "-n") { Description = "At most this many entries; 0 for all.", DefaultValueFactory = _ => 100 };
        var cursor = new Option<string?>("--cursor") { Description = "Continue where an earlier query stopped (it prints the cursor on standard error)." };
        var count = new Option<bool>("--count") { Description = "Print only how many entries match." };
        var filters = new QueryFilters();
        var command = new Command("query", "Search entries.") { streams, order, limit, cursor, count };
        filters.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var max = parse.GetValue(limit);
            if (max < 0)
            {
                throw CliException.Usage("--limit must be 0 (all) or more");
            }

            var query = filters.Query(parse, parse.GetValue(streams) ?? [], context.Console.Time.GetUtcNow()) with
            {
                Order = parse.GetValue(order),
                Limit = max is > 0 and <= MaxPage ? max : MaxPage,
            };
            using var session = context.Connect(parse);
            var mode = context.Mode(parse);
            if (parse.GetValue(count))
            {
                var total = await CountAsync(session.Client, query, cancellationToken).ConfigureAwait(false);
                ResultView.Print(context.Console, mode, new { count = total }, total.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return ExitCodes.Ok;
            }

            long shown = 0;
            await foreach (var page in session.Client.QueryPagesAsync(query, parse.GetValue(cursor), cancellationToken).ConfigureAwait(false))
            {
                var entries = max == 0 ? page.Entries : page.Entries.Take((int)Math.Min(page.Entries.Count, max - shown)).ToList();
                EntryView.Print(context.Console, mode, entries);
                shown += entries.Count;
                if (max != 0 && shown >= max)
                {
                    // Only at a page's end does the cursor continue exactly after the last entry shown.
                    if (page.NextCursor is { } next && entries.Count == page.Entries.Count)
                    {
                        context.Console.Error.WriteLine($"logsvc: stopped at --limit {max}; continue with --cursor {next}");
                    }

                    break;
                }
            }

            if (shown == 0 && mode != OutputMode.Json)
            {
                context.Console.Error.WriteLine("logsvc: no entries match");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// The service counts header filters itself; text and property filters need the decrypted bodies, which only a
    /// query returns, so those are counted here over the query's pages.
    /// </summary>
    private static async Task<long> CountAsync(LogServiceClient client, EntryQuery query, CancellationToken cancellationToken)
    {
        if (query.Text is null && query.Properties.Count == 0 && query.NotProperties.Count == 0)
        {
            return await client.CountAsync(query, cancellationToken).ConfigureAwait(false);
        }

        long total = 0;
        await foreach (var page in client.QueryPagesAsync(query with { Limit = MaxPage }, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            total += page.Entries.Count;
        }

        return total;
    }
}
