using System.Text.Json.Nodes;

namespace LogService.Console.Api;

// The shapes of the Log Core service API (/api/v1) the console reads; names follow docs/api.md.

public sealed record StreamRetention(int? MaxAgeDays, long? MaxCount);

public sealed record StreamInfo(
    string StreamId, string Tenant, string Name, long LastSequence, DateTimeOffset? LastTimestamp, bool Closed, StreamRetention? Retention, long EntryCount);

public sealed record StreamList(IReadOnlyList<StreamInfo> Streams);

public sealed record EntryBody(
    string? MessageTemplate, string? RenderedMessage, string? Exception, string? TraceId, string? SpanId, JsonObject? Properties, IReadOnlyList<string>? Renderings,
    long? SourceSequence = null);

public sealed record Integrity(string State, string? Detail)
{
    public const string Verified = "verified";
    public const string Broken = "broken";
    public const string Unverifiable = "unverifiable";
}

public sealed record LogEntry(
    string StreamId,
    long Sequence,
    DateTimeOffset Timestamp,
    string Level,
    string? SourceCloud,
    string? SourceNode,
    string? SourceUser,
    string? EventType,
    ulong PermissionMask,
    string Kind,
    EntryBody? Body,
    Integrity Integrity)
{
    public string Key => $"{StreamId}#{Sequence}";
}

public sealed record EntryPage(IReadOnlyList<LogEntry> Entries, string? NextCursor);

public sealed record HistogramBucket(DateTimeOffset Start, string Level, long Count);

public sealed record Histogram(IReadOnlyList<HistogramBucket> Buckets);

public sealed record InclusionProof(long TreeSize, long LeafIndex, IReadOnlyList<string> Path, string Root);

public sealed record CommitStatement(string StreamId, long FirstSequence, long LastSequence, string YHead, string MerkleRoot, long Instance);

public sealed record ReplicaSignature(int Replica, string Signature);

public sealed record SignedStatement(CommitStatement Statement, string StatementBytes, IReadOnlyList<ReplicaSignature> Signatures);

/// <summary>An entry with what proves it: its sealed bytes, the inclusion proof the replica built, why there is none, and the stream's latest certified head.</summary>
public sealed record EntryDetail(LogEntry Entry, string? Sealed, InclusionProof? Proof, string? ProofUnavailable, SignedStatement? CertifiedHead);

public sealed record VerifyFailure(long Sequence, string Failure, string? Detail);

public sealed record VerifyResult(long Checked, long Verified, VerifyFailure? FirstFailure);

public sealed record ReplicaInfo(int Id, string Url, string SigningKey, string? AgreementKey, bool KeyService);

public sealed record ReplicaSet(int N, int F, IReadOnlyList<ReplicaInfo> Replicas);

public sealed record ReplicaStatus(int Replica, int? Leader, long? Regency, long? LastInstance, long? LastCheckpoint, bool Healthy);
