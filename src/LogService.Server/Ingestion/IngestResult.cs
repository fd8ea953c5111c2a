using LogService.Core.Entries;

namespace LogService.Server.Ingestion;

/// <summary>The outcome of parsing one request: every event as a draft, or one error that rejects them all.</summary>
public sealed class IngestResult
{
    private IngestResult(IReadOnlyList<EntryDraft> entries, string? batchId, IngestError? error)
    {
        Entries = entries;
        BatchId = batchId;
        Error = error;
    }

    /// <summary>True when the whole request was accepted.</summary>
    public bool IsSuccess => Error is null;

    /// <summary>The accepted events in payload order; empty on failure.</summary>
    public IReadOnlyList<EntryDraft> Entries { get; }

    /// <summary>The writer's batch id when the format carries one.</summary>
    public string? BatchId { get; }

    /// <summary>Why the request was rejected; <c>null</c> on success.</summary>
    public IngestError? Error { get; }

    /// <summary>An accepted request.</summary>
    public static IngestResult Success(IReadOnlyList<EntryDraft> entries, string? batchId = null) => new(entries, batchId, null);

    /// <summary>A rejected request.</summary>
    public static IngestResult Failure(IngestError error) => new([], null, error ?? throw new ArgumentNullException(nameof(error)));
}
