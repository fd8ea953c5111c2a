namespace LogService.Server.Ingestion;

/// <summary>
/// One wire format writers send entries in. Implementations are stateless and thread-safe; they never
/// throw for bad input but return an <see cref="IngestResult"/> whose error names the event and field.
/// </summary>
public interface IIngestFormat
{
    /// <summary>Media types the format accepts, lowercase, without parameters.</summary>
    IReadOnlyList<string> ContentTypes { get; }

    /// <summary>Parses and validates a whole request body; a single bad event rejects the request.</summary>
    IngestResult Parse(ReadOnlyMemory<byte> payload);
}
