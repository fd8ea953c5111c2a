using System.CommandLine;
using System.Globalization;
using LogService.Cli.Output;
using LogService.Client;
using LogService.Client.Models;
using Spectre.Console;

namespace LogService.Cli.Commands;

/// <summary><c>logsvc streams list | create | show | close</c>.</summary>
internal static class StreamsCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("streams", "List, create, show and close streams.");
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(CreateStream(context));
        command.Subcommands.Add(Show(context));
        command.Subcommands.Add(Close(context));
        return command;
    }

    private static Command List(CliContext context)
    {
        var tenant = new Option<string?>("--tenant") { Description = "Another tenant's streams (operators)." };
        var command = new Command("list", "The streams of your tenant.") { tenant };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var session = context.Connect(parse);
            var streams = await session.Client.ListStreamsAsync(parse.GetValue(tenant), cancellationToken).ConfigureAwait(false);
            Print(context, context.Mode(parse), streams);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateStream(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The stream's name (1-64 of a-z 0-9 . _ -)." };
        var tenant = new Option<string?>("--tenant") { Description = "The tenant (default: yours)." };
        var maxAge = new Option<int?>("--max-age-days") { Description = "Remove entries older than this many days." };
        var maxCount = new Option<long?>("--max-count") { Description = "Keep at most this many entries." };
        var command = new Command("create", "Create a stream.") { name, tenant, maxAge, maxCount };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var session = context.Connect(parse);
            var retention = parse.GetValue(maxAge) is null && parse.GetValue(maxCount) is null ? null : new Retention(parse.GetValue(maxAge), parse.GetValue(maxCount));
            var stream = await session.Client.CreateStreamAsync(new CreateStreamRequest(parse.GetValue(name)!, parse.GetValue(tenant), retention), cancellationToken).ConfigureAwait(false);
            Print(context, context.Mode(parse), [stream], single: true);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliContext context) =>
        OneStream(context, "show", "One stream.", (client, id, ct) => client.GetStreamAsync(id, ct));

    private static Command Close(CliContext context) =>
        OneStream(context, "close", "Close a stream: a close entry records its count and head, and later writes are refused.", (client, id, ct) => client.CloseStreamAsync(id, ct));

    private static Command OneStream(CliContext context, string name, string description, Func<LogServiceClient, string, CancellationToken, Task<StreamInfo>> call)
    {
        var stream = StreamArgument();
        var command = new Command(name, description) { stream };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var session = context.Connect(parse);
            Print(context, context.Mode(parse), [await call(session.Client, parse.GetValue(stream)!, cancellationToken).ConfigureAwait(false)], single: true);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The <c>tenant/name</c> argument several commands take.</summary>
    public static Argument<string> StreamArgument() => new("stream") { Description = "The stream, tenant/name." };

    private static void Print(CliContext context, OutputMode mode, IReadOnlyList<StreamInfo> streams, bool single = false)
    {
        var console = context.Console;
        switch (mode)
        {
            case OutputMode.Json:
                ResultView.Print(console, mode, single ? streams[0] : streams);
                break;
            case OutputMode.Plain:
                foreach (var s in streams)
                {
                    console.Out.WriteLine($"{s.StreamId}\tentries={s.EntryCount}\tlast={s.LastSequence}\t{(s.LastTimestamp is { } t ? EntryView.Time(t) : "-")}\t{(s.Closed ? "closed" : "open")}\t{Retention(s.Retention)}");
                }

                break;
            default:
                var table = new Table().AddColumns("Stream", "Entries", "Last sequence", "Last entry (UTC)", "State", "Retention");
                foreach (var s in streams)
                {
                    table.AddRow(
                        Markup.Escape(s.StreamId), s.EntryCount.ToString("N0", CultureInfo.InvariantCulture), s.LastSequence.ToString(CultureInfo.InvariantCulture),
                        s.LastTimestamp is { } t ? EntryView.Time(t) : "-", s.Closed ? "[grey]closed[/]" : "[green]open[/]", Markup.Escape(Retention(s.Retention)));
                }

                console.Ansi.Write(table);
                break;
        }
    }

    private static string Retention(Retention? retention) => retention switch
    {
        null or { MaxAgeDays: null, MaxCount: null } => "keep all",
        _ => string.Join(", ", new[] { retention.MaxAgeDays is { } d ? $"{d} days" : null, retention.MaxCount is { } c ? $"{c} entries" : null }.OfType<string>()),
    };
}
