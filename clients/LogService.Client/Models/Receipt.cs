namespace LogService.Client.Models;

/// <summary>One replica's signature over a statement's signed bytes.</summary>
/// <param name="Replica">The replica's id in the key set.</param>
/// <param name="Signature">ECDSA P-256 / SHA-256, IEEE P1363 (64 bytes).</param>
public sealed record ReplicaSignature(int Replica, byte[] Signature);

/// <summary>
/// A statement with replicas' signatures: a receipt (f+1 signatures: at least one correct replica committed it) or a
/// certified head (2f+1). The JSON fields beside <see cref="StatementBytes"/> are claims until a verifier decodes the bytes.
/// </summary>
public record SignedHead
{
    /// <summary>The stream the statement is about.</summary>
    public required string StreamId { get; init; }

    /// <summary>The statement's fields as the replica rendered them in JSON.</summary>
    public required Trust.SignedStatement Statement { get; init; }

    /// <summary>The exact bytes the replicas signed.</summary>
    public required byte[] StatementBytes { get; init; }

    /// <summary>The replicas' signatures over <see cref="StatementBytes"/>.</summary>
    public required IReadOnlyList<ReplicaSignature> Signatures { get; init; }

    /// <summary>The first sequence, when the answer states it beside the statement.</summary>
    public long? FirstSequence { get; init; }

    /// <summary>The last sequence, when the answer states it beside the statement.</summary>
    public long? LastSequence { get; init; }
}

/// <summary>The answer to a write: what was committed, vouched for by f+1 replicas.</summary>
public sealed record Receipt : SignedHead
{
    /// <summary><c>committed</c>, or <c>duplicate</c> when a retry with the same batch id got the original receipt.</summary>
    public required string Outcome { get; init; }

    /// <summary>The writer's batch id, when it gave one.</summary>
    public string? BatchId { get; init; }

    /// <summary>How many entries the batch appended.</summary>
    public long Count { get; init; }
}
