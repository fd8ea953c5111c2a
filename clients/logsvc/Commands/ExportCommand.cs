using System.CommandLine;
using System.Globalization;
using LogService.Cli.Output;

namespace LogService.Cli.Commands;

/// <summary>
/// <c>logsvc export</c>: every sealed entry of a stream up to a certified head, with the head and the key set, in one
/// file that <c>logsvc verify --bundle</c> checks without the service.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(CliContext context)
    {
        var stream = StreamsCommand.StreamArgument();
        var file = new Argument<string>("file") { Description = "The bundle file to write." };
        var noCertify = new Option<bool>("--no-certify") { Description = "Export up to the latest existing certified head instead of having a new one made first." };
        var command = new Command("export", "Export a stream's sealed entries and certified head for offline verification.") { stream, file, noCertify };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var streamId = parse.GetValue(stream)!;
            var path = parse.GetValue(file)!;
            using var session = context.Connect(parse);
            if (!parse.GetValue(noCertify))
            {
                await session.Client.CreateCertifiedHeadAsync(streamId, cancellationToken).ConfigureAwait(false);
            }

            var progress = new ProgressLine(context.Console, "export");
            Client.Offline.ExportBundle bundle;
            try
            {
                bundle = await session.Client.ExportAsync(streamId, new Progress(progress), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                progress.Complete();
            }

            await bundle.SaveAsync(path, cancellationToken).ConfigureAwait(false);
            var size = new FileInfo(path).Length;
            var head = bundle.CertifiedHead.Statement;
            ResultView.Print(context.Console, context.Mode(parse),
                new { streamId, file = path, entries = bundle.Entries.Count, certifiedHead = head.LastSequence, bytes = size },
                string.Create(CultureInfo.InvariantCulture, $"exported {bundle.Entries.Count:N0} entries of {streamId} up to the certified head at #{head.LastSequence} to {path} ({size:N0} bytes)"));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Forwards the export's progress synchronously.</summary>
    private sealed class Progress(ProgressLine line) : IProgress<(long Done, long Total)>
    {
        public void Report((long Done, long Total) value) => line.Report("fetched", value.Done, value.Total);
    }
}
