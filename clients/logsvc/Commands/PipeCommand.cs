using System.CommandLine;
using System.Globalization;
using System.Threading.Channels;
using LogService.Cli.Input;
using LogService.Cli.Output;
using LogService.Client;
using LogService.Client.Models;

namespace LogService.Cli.Commands;

/// <summary>
/// <c>logsvc pipe</c>: standard input, line by line (text lines, or CLEF events), in batches; a batch counts only once
/// its receipt verifies. On a failure it stops and says exactly which input lines were written, so nothing is lost unnoticed.
/// </summary>
internal static class PipeCommand
{
    public static Command Create(CliContext context)
    {
        var stream = StreamsCommand.StreamArgument();
        var format = new Option<string>("--format") { Description = "lines (each line one entry's message) or clef (one CLEF JSON event per line).", DefaultValueFactory = _ => "lines" };
        format.AcceptOnlyFromAmong("lines", "clef");
        var batchSize = new Option<int>("--batch-size") { Description = "Lines per batch (1-10000).", DefaultValueFactory = _ => 500 };
        var flush = new Option<string>("--flush-interval") { Description = "Send a partial batch after this long (e.g. 500ms, 2s), so a slow producer's lines still arrive.", DefaultValueFactory = _ => "1s" };
        var entry = new EntryOptions();
        var command = new Command("pipe", "Write standard input's lines (or CLEF events) as entries, in batches, checking every receipt.") { stream, format, batchSize, flush };
        entry.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var size = parse.GetValue(batchSize);
            if (size is < 1 or > 10_000)
            {
                throw CliException.Usage("--batch-size must be 1-10000");
            }

            var clef = parse.GetValue(format) == "clef";
            if (clef && (entry.Level(parse) is not null || entry.Properties(parse) is not null))
            {
                throw CliException.Usage("--level and --property apply to --format lines; CLEF events carry their own");
            }

            var interval = ArgumentParsers.Duration(parse.GetValue(flush)!, "--flush-interval");
            using var session = context.Connect(parse);
            var writer = new BatchWriter(context, session.Client, parse.GetValue(stream)!, clef, line => entry.Entry(parse, line, context.Console.Time.GetUtcNow()), entry.Source(parse));
            await writer.RunAsync(size, interval, cancellationToken).ConfigureAwait(false);
            var summary = writer.Summary();
            ResultView.Print(context.Console, context.Mode(parse), summary, summary.ToString());
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>What a pipe wrote.</summary>
    internal sealed record PipeSummary(string StreamId, long Lines, long Entries, int Batches, long? FirstSequence, long? LastSequence)
    {
        public override string ToString() => Batches == 0
            ? $"nothing to write: standard input had no lines"
            : string.Create(CultureInfo.InvariantCulture, $"{Entries:N0} entries from {Lines:N0} lines written to {StreamId} in {Batches} batches (#{FirstSequence}-#{LastSequence}); every receipt verified.");
    }

    private sealed class BatchWriter(CliContext context, LogServiceClient client, string streamId, bool clef, Func<string, NewEntry> entryOf, SourceHints source)
    {
        private readonly ProgressLine _progress = new(context.Console, "pipe");
        private long _linesWritten;
        private long _entries;
        private int _batches;
        private long? _first;
        private long? _last;

        public async Task RunAsync(int batchSize, TimeSpan flushInterval, CancellationToken cancellationToken)
        {
            var lines = Channel.CreateBounded<(long Number, string Text)>(new BoundedChannelOptions(batchSize * 2) { SingleReader = true, SingleWriter = true });
            var reading = Task.Run(() => ReadInput(lines.Writer, cancellationToken), cancellationToken);
            var batch = new List<(long Number, string Text)>(batchSize);
            try
            {
                while (await lines.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    deadline.CancelAfter(flushInterval);
                    try
                    {
                        while (batch.Count < batchSize && await lines.Reader.WaitToReadAsync(deadline.Token).ConfigureAwait(false))
                        {
                            while (batch.Count < batchSize && lines.Reader.TryRead(out var line))
                            {
                                batch.Add(line);
                            }
                        }
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        // The flush interval passed: send what has come so far.
                    }

                    await SendAsync(batch, cancellationToken).ConfigureAwait(false);
                    batch.Clear();
                }

                await reading.ConfigureAwait(false);
            }
            finally
            {
                _progress.Complete();
            }
        }

        public PipeSummary Summary() => new(streamId, _linesWritten, _entries, _batches, _first, _last);

        private void ReadInput(ChannelWriter<(long, string)> writer, CancellationToken cancellationToken)
        {
            try
            {
                long number = 0;
                while (context.Console.In.ReadLine() is { } line)
                {
                    number++;
                    if (!string.IsNullOrWhiteSpace(line))
                    {
                        while (!writer.TryWrite((number, line)))
                        {
                            writer.WaitToWriteAsync(cancellationToken).AsTask().GetAwaiter().GetResult();
                        }
                    }
                }

                writer.TryComplete();
            }
            catch (Exception e)
            {
                writer.TryComplete(e);
            }
        }

        private async Task SendAsync(List<(long Number, string Text)> batch, CancellationToken cancellationToken)
        {
            if (batch.Count == 0)
            {
                return;
            }

            Receipt receipt;
            try
            {
                receipt = clef
                    ? await client.WriteFormattedAsync(streamId, "clef", string.Join('\n', batch.Select(l => l.Text)), "application/vnd.serilog.clef", cancellationToken: cancellationToken).ConfigureAwait(false)
                    : await client.WriteAsync(streamId, new NativeBatch { Source = source, Entries = [.. batch.Select(l => entryOf(l.Text))] }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var (code, reason) = ExitCodes.For(e);
                var written = _linesWritten == 0 ? "nothing was written" : $"input up to line {_linesWritten} was written ({_entries} entries, receipts verified)";
                throw new CliException(code, $"{written}; lines {batch[0].Number}-{batch[^1].Number} and later were not: {reason}");
            }

            _batches++;
            _entries += receipt.Count;
            _linesWritten = batch[^1].Number;
            _first ??= receipt.FirstSequence ?? receipt.Statement.FirstSequence;
            _last = receipt.LastSequence ?? receipt.Statement.LastSequence;
            _progress.Report("written", _entries, -1);
        }
    }
}
