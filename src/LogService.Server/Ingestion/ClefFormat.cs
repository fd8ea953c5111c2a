using System.Text.Json;
using LogService.Core.Entries;

namespace LogService.Server.Ingestion;

/// <summary>
/// Newline-delimited CLEF as Seq's <c>/ingest/clef</c>: one JSON object per line, blank lines ignored,
/// <c>\n</c> or <c>\r\n</c> endings. Errors carry the one-based line number as well as the event index.
/// </summary>
internal sealed class ClefFormat(IngestLimits limits, TimeProvider clock) : JsonIngestFormat(limits, clock)
{
    public override IReadOnlyList<string> ContentTypes { get; } = ["application/vnd.serilog.clef", "application/json"];

    protected override List<EntryDraft> ParseEntries(ReadOnlyMemory<byte> payload, IngestScope scope, out string? batchId)
    {
        batchId = null;
        var entries = new List<EntryDraft>();
        var builder = new DraftBuilder();
        var line = 0;
        var remaining = payload.Span;
        while (!remaining.IsEmpty)
        {
            line++;
            var end = remaining.IndexOf((byte)'\n');
            var text = end < 0 ? remaining : remaining[..end];
            remaining = end < 0 ? default : remaining[(end + 1)..];
            if (text.IsEmpty || text.IndexOfAnyExcept(" \t\r"u8) < 0)
            {
                continue;
            }

            scope.LineNumber = line;
            scope.BeginEntry();
            scope.CheckEntrySize(text.Length);
            builder.Reset();
            var reader = new Utf8JsonReader(text, ReaderOptions);
            reader.Read();
            ClefEventReader.Read(ref reader, scope, builder);
            ExpectEnd(ref reader);
            entries.Add(builder.Build(scope, "@t", SourceHints.None));
        }

        return entries;
    }
}
