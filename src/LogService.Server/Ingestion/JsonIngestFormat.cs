using System.Text.Json;
using LogService.Core.Entries;

namespace LogService.Server.Ingestion;

/// <summary>
/// What every format shares: the request size check, one clock reading per request, and turning the first
/// violation (or a JSON syntax error) into an <see cref="IngestResult"/> instead of an exception.
/// </summary>
internal abstract class JsonIngestFormat(IngestLimits limits, TimeProvider clock) : IIngestFormat
{
    protected IngestLimits Limits { get; } = limits ?? throw new ArgumentNullException(nameof(limits));

    /// <summary>Reader options: comments and trailing commas are refused, depth leaves room for the format's own nesting.</summary>
    protected JsonReaderOptions ReaderOptions => new() { MaxDepth = Limits.MaxPropertyDepth + 8 };

    public abstract IReadOnlyList<string> ContentTypes { get; }

    public IngestResult Parse(ReadOnlyMemory<byte> payload)
    {
        if (payload.Length > Limits.MaxRequestBytes)
        {
            return IngestResult.Failure(new IngestError(
                IngestErrorKind.PayloadTooLarge,
                $"The body is {payload.Length} bytes; at most {Limits.MaxRequestBytes} are allowed."));
        }

        var scope = new IngestScope(Limits, clock.GetUtcNow());
        try
        {
            var entries = ParseEntries(JsonFields.WithoutBom(payload), scope, out var batchId);
            return entries.Count > 0
                ? IngestResult.Success(entries, batchId)
                : IngestResult.Failure(new IngestError(IngestErrorKind.EmptyPayload, "The payload contains no events."));
        }
        catch (IngestFailure failure)
        {
            return IngestResult.Failure(failure.Error);
        }
        catch (JsonException ex)
        {
            return IngestResult.Failure(new IngestError(IngestErrorKind.MalformedPayload, $"Invalid JSON: {ex.Message}")
            {
                EventIndex = scope.CurrentEvent,
                LineNumber = (int?)(ex.LineNumber + 1),
            });
        }
        catch (InvalidOperationException ex)
        {
            // Utf8JsonReader reports text it cannot transcode (invalid UTF-8 or UTF-16 escapes) this way.
            return IngestResult.Failure(new IngestError(IngestErrorKind.MalformedPayload, $"Invalid JSON text: {ex.Message}")
            {
                EventIndex = scope.CurrentEvent,
                LineNumber = scope.LineNumber,
            });
        }
    }

    /// <summary>Reads every event; throws <see cref="IngestFailure"/> or <see cref="JsonException"/> at the first problem.</summary>
    protected abstract List<EntryDraft> ParseEntries(ReadOnlyMemory<byte> payload, IngestScope scope, out string? batchId);

    /// <summary>Confirms nothing but whitespace follows the payload's top-level value.</summary>
    /// <remarks>Utf8JsonReader throws a <see cref="JsonException"/> for any other trailing data once asked to read on.</remarks>
    protected static void ExpectEnd(ref Utf8JsonReader reader) => _ = reader.Read();
}
