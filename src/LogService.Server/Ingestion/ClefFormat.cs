using System.Text.Json;
using LogService.Core.Entries;

namespace LogService.Server.Ingestion;

/// <summary>
/// Newline-delimited CLEF as Seq's <c>/ingest/clef</c>: one JSON object per line, with <c>\n</c> or <c>\r\n</c>
/// endings and blank lines ignored. The payload is read as a sequence of JSON values separated by whitespace,
/// so a single pretty-printed event (Seq accepts one as <c>application/json</c>) parses too. Errors carry the
/// one-based line where the event starts as well as the event index.
/// </summary>
internal sealed class ClefFormat(IngestLimits limits, TimeProvider clock) : JsonIngestFormat(limits, clock)
{
    public override IReadOnlyList<string> ContentTypes { get; } = ["application/vnd.serilog.clef", "application/json"];

    protected override List<EntryDraft> ParseEntries(ReadOnlyMemory<byte> payload, IngestScope scope, out string? batchId)
    {
        batchId = null;
        var entries = new List<EntryDraft>();
        var builder = new DraftBuilder();
        var text = payload.Span;
        var reader = new Utf8JsonReader(text, ReaderOptions with { AllowMultipleValues = true });
        var (line, counted) = (1, 0);
        while (reader.Read())
        {
            var start = (int)reader.TokenStartIndex;
            line += text[counted..start].Count((byte)'\n');
            counted = start;
            scope.LineNumber = line;
            scope.BeginEntry();
            builder.Reset();
            ClefEventReader.Read(ref reader, scope, builder);
            scope.CheckEntrySize(reader.BytesConsumed - start);
            entries.Add(builder.Build(scope, "@t", SourceHints.None));
        }

        return entries;
    }
}
