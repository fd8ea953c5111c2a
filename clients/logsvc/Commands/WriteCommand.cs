using System.CommandLine;
using LogService.Cli.Input;
using LogService.Cli.Output;
using LogService.Client;
using LogService.Client.Models;

namespace LogService.Cli.Commands;

/// <summary><c>logsvc write</c>: one entry, counted as written only when its receipt carries f+1 valid pinned signatures.</summary>
internal static class WriteCommand
{
    public static Command Create(CliContext context)
    {
        var stream = StreamsCommand.StreamArgument();
        var message = new Argument<string>("message") { Description = "The rendered message." };
        var entry = new EntryOptions();
        var template = new Option<string?>("--template") { Description = "The message template (default: none; the event type is then derived from the message)." };
        var exception = new Option<string?>("--exception") { Description = "Exception text." };
        var eventType = new Option<string?>("--event-type") { Description = "A 32-bit number or 1-8 hex digits." };
        var traceId = new Option<string?>("--trace-id") { Description = "W3C trace id (32 hex digits)." };
        var spanId = new Option<string?>("--span-id") { Description = "W3C span id (16 hex digits)." };
        var batchId = new Option<string?>("--batch-id") { Description = "The batch id; repeating a write with the same id returns the original receipt instead of a second entry." };
        var command = new Command("write", "Write one entry and check its receipt.") { stream, message, template, exception, eventType, traceId, spanId, batchId };
        entry.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var session = context.Connect(parse);
            var batch = new NativeBatch
            {
                BatchId = parse.GetValue(batchId),
                Source = entry.Source(parse),
                Entries =
                [
                    entry.Entry(parse, parse.GetValue(message)!, context.Console.Time.GetUtcNow()) with
                    {
                        MessageTemplate = parse.GetValue(template),
                        Exception = parse.GetValue(exception),
                        EventType = parse.GetValue(eventType),
                        TraceId = parse.GetValue(traceId),
                        SpanId = parse.GetValue(spanId),
                    },
                ],
            };
            var receipt = await session.Client.WriteAsync(parse.GetValue(stream)!, batch, cancellationToken).ConfigureAwait(false);
            PrintReceipt(context, context.Mode(parse), session.Client, receipt);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Prints a receipt the client already verified, naming the replicas whose signatures checked out.</summary>
    public static void PrintReceipt(CliContext context, OutputMode mode, LogServiceClient client, Receipt receipt)
    {
        var signers = client.VerifyReceipt(receipt).ValidSigners;
        var first = receipt.FirstSequence ?? receipt.Statement.FirstSequence;
        var last = receipt.LastSequence ?? receipt.Statement.LastSequence;
        var range = first == last ? $"#{first}" : $"#{first}-#{last}";
        ResultView.Print(context.Console, mode,
            new { receipt.StreamId, receipt.Outcome, receipt.BatchId, firstSequence = first, lastSequence = last, receipt.Count, signers },
            $"{receipt.StreamId}{range} {receipt.Outcome}; receipt signed by replicas {string.Join(", ", signers)} ({client.KeySet.ReceiptQuorum} needed).");
    }
}

/// <summary>The entry options <c>write</c> and <c>pipe</c> share: level, properties and source hints.</summary>
internal sealed class EntryOptions
{
    private readonly Option<string?> _level = new("--level", "-l") { Description = "Verbose, Debug, Information (default), Warning, Error or Fatal." };
    private readonly Option<string[]> _properties = new("--property", "-p") { Description = "A property, Name=Value (repeatable); a JSON value (3, true, \"007\", {...}) stays JSON.", HelpName = "name=value" };
    private readonly Option<string?> _application = new("--application") { Description = "Source hint: the application." };
    private readonly Option<string?> _node = new("--node") { Description = "Source hint: the machine or container (default: this host's name)." };

    public void AddTo(Command command)
    {
        command.Options.Add(_level);
        command.Options.Add(_properties);
        command.Options.Add(_application);
        command.Options.Add(_node);
    }

    public SourceHints Source(ParseResult parse) => new(parse.GetValue(_application), parse.GetValue(_node) ?? Environment.MachineName);

    /// <summary>An entry with the given rendered message, the level and the properties.</summary>
    public NewEntry Entry(ParseResult parse, string message, DateTimeOffset timestamp) => new()
    {
        Timestamp = timestamp,
        Level = parse.GetValue(_level),
        RenderedMessage = message,
        Properties = ArgumentParsers.Properties(parse.GetValue(_properties)),
    };

    /// <summary>The properties, parsed once (for <c>pipe</c>, where every line gets a copy).</summary>
    public System.Text.Json.Nodes.JsonObject? Properties(ParseResult parse) => ArgumentParsers.Properties(parse.GetValue(_properties));

    public string? Level(ParseResult parse) => parse.GetValue(_level);
}
