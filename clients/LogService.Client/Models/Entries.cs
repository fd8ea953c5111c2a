using System.Text.Json;
using System.Text.Json.Nodes;

namespace LogService.Client.Models;

/// <summary>The writer's identity hints kept in each entry's body.</summary>
/// <param name="Application">The application.</param>
/// <param name="Node">The machine or container.</param>
/// <param name="User">The user or component identity.</param>
public sealed record SourceHints(string? Application = null, string? Node = null, string? User = null);

/// <summary>One event to write (the native batch's entry; docs/api.md "Native batch").</summary>
public sealed record NewEntry
{
    /// <summary>When the event happened.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary><c>Verbose</c> … <c>Fatal</c>; null means Information.</summary>
    public string? Level { get; init; }

    /// <summary>The message template.</summary>
    public string? MessageTemplate { get; init; }

    /// <summary>The rendered message.</summary>
    public string? RenderedMessage { get; init; }

    /// <summary>Renderings of the template's formatted tokens, in template order.</summary>
    public IReadOnlyList<string>? Renderings { get; init; }

    /// <summary>The exception text.</summary>
    public string? Exception { get; init; }

    /// <summary>W3C trace id (32 hex digits).</summary>
    public string? TraceId { get; init; }

    /// <summary>W3C span id (16 hex digits).</summary>
    public string? SpanId { get; init; }

    /// <summary>A 32-bit number or 1–8 hex digits; default: derived from the template.</summary>
    public string? EventType { get; init; }

    /// <summary>The event's properties.</summary>
    public JsonObject? Properties { get; init; }
}

/// <summary>A native batch (<c>application/vnd.logservice.batch+json</c>).</summary>
public sealed record NativeBatch
{
    /// <summary>The batch id the service deduplicates on; the client makes one when none is given, so a failover retry is never stored twice.</summary>
    public string? BatchId { get; init; }

    /// <summary>Source hints.</summary>
    public SourceHints? Source { get; init; }

    /// <summary>The per-source sequence number of the first entry.</summary>
    public long? SequenceStart { get; init; }

    /// <summary>The events, at least one.</summary>
    public required IReadOnlyList<NewEntry> Entries { get; init; }
}

/// <summary>An entry's decrypted body, when the caller may read it.</summary>
/// <param name="MessageTemplate">The message template.</param>
/// <param name="RenderedMessage">The rendered message.</param>
/// <param name="Exception">The exception text.</param>
/// <param name="TraceId">W3C trace id.</param>
/// <param name="SpanId">W3C span id.</param>
/// <param name="Properties">The event's properties.</param>
/// <param name="Renderings">Renderings of the template's formatted tokens.</param>
/// <param name="SourceSequence">The writer's per-source sequence number, sealed with the event; null when it sent none. A gap between a source's entries is an event that never arrived.</param>
public sealed record EntryBody(
    string? MessageTemplate, string? RenderedMessage, string? Exception, string? TraceId, string? SpanId, JsonElement? Properties, IReadOnlyList<string>? Renderings,
    long? SourceSequence = null);

/// <summary>What the serving replica found when it checked the entry.</summary>
/// <param name="State"><c>verified</c>, <c>broken</c> or <c>unverifiable</c>.</param>
/// <param name="Detail">The failure, for <c>broken</c>.</param>
public sealed record IntegrityState(string State, string? Detail);

/// <summary>A stored entry as a query returns it.</summary>
public record LogEntry
{
    /// <summary>The stream.</summary>
    public required string StreamId { get; init; }

    /// <summary>The entry's sequence in its stream.</summary>
    public long Sequence { get; init; }

    /// <summary>The consensus time.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>The level name.</summary>
    public string? Level { get; init; }

    /// <summary>The source cloud (tenant issuer).</summary>
    public string? SourceCloud { get; init; }

    /// <summary>The source node.</summary>
    public string? SourceNode { get; init; }

    /// <summary>The source user.</summary>
    public string? SourceUser { get; init; }

    /// <summary>The event type, <c>0x</c> and 8 hex digits.</summary>
    public string? EventType { get; init; }

    /// <summary>W: the reader classes that may read the body.</summary>
    public ulong PermissionMask { get; init; }

    /// <summary><c>open</c>, <c>data</c>, <c>seal</c>, <c>close</c> or <c>rotation</c>.</summary>
    public string? Kind { get; init; }

    /// <summary>The body; null when the caller may not read it.</summary>
    public EntryBody? Body { get; init; }

    /// <summary>The serving replica's integrity check.</summary>
    public IntegrityState? Integrity { get; init; }
}

/// <summary>One page of a query.</summary>
/// <param name="Entries">The entries.</param>
/// <param name="NextCursor">The cursor for the next page; null at the end.</param>
public sealed record EntryPage(IReadOnlyList<LogEntry> Entries, string? NextCursor);

/// <summary>An RFC 6962 inclusion proof.</summary>
/// <param name="TreeSize">The tree's size.</param>
/// <param name="LeafIndex">The leaf (the entry's sequence).</param>
/// <param name="Path">The audit path.</param>
/// <param name="Root">The root the path leads to.</param>
public sealed record InclusionProof(long TreeSize, long LeafIndex, IReadOnlyList<byte[]> Path, byte[] Root);

/// <summary>One entry with its sealed bytes, inclusion proof and the certified head the proof is against.</summary>
public sealed record ProvenEntry : LogEntry
{
    /// <summary>The sealed entry's canonical encoding (the Merkle leaf).</summary>
    public required byte[] Sealed { get; init; }

    /// <summary>The inclusion proof; null when the replica could not give one (see <see cref="ProofUnavailable"/>).</summary>
    public InclusionProof? Proof { get; init; }

    /// <summary>Why there is no proof (the entry is newer than the latest certified head, or was removed).</summary>
    public string? ProofUnavailable { get; init; }

    /// <summary>The certified head the proof leads to, as the client checked it.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public SignedHead? CertifiedHead { get; init; }
}

/// <summary>One replica's own signed head (<c>GET …/head</c>).</summary>
/// <param name="Statement">The statement's fields as rendered.</param>
/// <param name="StatementBytes">The signed bytes.</param>
/// <param name="Replica">The signing replica.</param>
/// <param name="Signature">Its signature.</param>
public sealed record ReplicaHead(Trust.SignedStatement Statement, byte[] StatementBytes, int Replica, byte[] Signature)
{
    /// <summary>The head as a statement with one signature.</summary>
    public SignedHead ToSignedHead() => new()
    {
        StreamId = Statement.StreamId, Statement = Statement, StatementBytes = StatementBytes, Signatures = [new ReplicaSignature(Replica, Signature)],
    };
}

/// <summary>A sealed entry of a range.</summary>
/// <param name="Sequence">Its sequence.</param>
/// <param name="Sealed">Its canonical encoding.</param>
public sealed record SealedRecord(long Sequence, byte[] Sealed);

/// <summary>One page of sealed entries.</summary>
/// <param name="Entries">The entries.</param>
/// <param name="Next">The sequence to ask for next; null at the end.</param>
public sealed record SealedPage(IReadOnlyList<SealedRecord> Entries, long? Next);

/// <summary>The first entry a server-side range verification failed on.</summary>
/// <param name="Sequence">The entry.</param>
/// <param name="Failure">The failure kind.</param>
/// <param name="Detail">What exactly failed.</param>
public sealed record RangeFailure(long Sequence, string Failure, string? Detail);

/// <summary>The result of <c>POST …/verify</c>.</summary>
/// <param name="Checked">Entries checked.</param>
/// <param name="Verified">Entries verified.</param>
/// <param name="FirstFailure">The first failure, or null.</param>
/// <param name="Tombstones">What retention removed in the range.</param>
public sealed record RangeVerification(long Checked, long Verified, RangeFailure? FirstFailure, JsonElement? Tombstones);

/// <summary>An RFC 6962 consistency proof between two tree sizes.</summary>
/// <param name="First">The older size.</param>
/// <param name="Second">The newer size.</param>
/// <param name="Path">The proof.</param>
public sealed record ConsistencyProof(long First, long Second, IReadOnlyList<byte[]> Path);

/// <summary>A released per-entry key K_j.</summary>
/// <param name="Sequence">The entry.</param>
/// <param name="Key">K_j.</param>
public sealed record ReleasedKey(long Sequence, byte[] Key);
