using LogService.Client.Models;

namespace LogService.Client.Trust;

/// <summary>The outcome of checking a receipt or certified head.</summary>
/// <param name="IsValid">True when enough distinct pinned replicas signed the bytes and the fields match them.</param>
/// <param name="Reason">Why it is not valid; null when it is.</param>
/// <param name="ValidSigners">The pinned replicas whose signatures checked out.</param>
/// <param name="Statement">The statement decoded from the signed bytes; null when they do not decode.</param>
public sealed record StatementVerification(bool IsValid, string? Reason, IReadOnlyList<int> ValidSigners, SignedStatement? Statement);

/// <summary>
/// Checks receipts (f+1) and certified heads (2f+1) against a pinned key set: each signature must verify under the
/// named replica's pinned key over the signed bytes, distinct replicas count once, and every field the JSON states
/// must equal the decoded bytes, so a replica cannot attach honest signatures to a dishonest rendering.
/// </summary>
/// <param name="keys">The pinned replica key set.</param>
public sealed class ReceiptVerifier(ReplicaKeySet keys)
{
    private readonly ReplicaKeySet _keys = keys ?? throw new ArgumentNullException(nameof(keys));

    /// <summary>Checks a write's receipt: f+1 valid signatures of distinct replicas.</summary>
    public StatementVerification VerifyReceipt(Receipt receipt)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        return Verify(receipt, _keys.ReceiptQuorum);
    }

    /// <summary>Checks a certified head: 2f+1 valid signatures of distinct replicas.</summary>
    public StatementVerification VerifyCertifiedHead(SignedHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        return Verify(head, _keys.CertifiedQuorum);
    }

    /// <summary>Checks <paramref name="head"/> against <paramref name="quorum"/> distinct valid signatures.</summary>
    public StatementVerification Verify(SignedHead head, int quorum)
    {
        ArgumentNullException.ThrowIfNull(head);
        if (head.StatementBytes is null || !SignedStatement.TryDecode(head.StatementBytes, out var signed))
        {
            return new StatementVerification(false, "the signed statement bytes are malformed", [], null);
        }

        var mismatch = FieldMismatch(head, signed);
        if (mismatch is not null)
        {
            return new StatementVerification(false, mismatch, [], signed);
        }

        var valid = new List<int>();
        foreach (var signature in head.Signatures ?? [])
        {
            var key = _keys.SigningKeyOf(signature.Replica);
            if (key is not null && !valid.Contains(signature.Replica)
                && SignedStatement.VerifySignature(key, head.StatementBytes, signature.Signature ?? []))
            {
                valid.Add(signature.Replica);
            }
        }

        return valid.Count >= quorum
            ? new StatementVerification(true, null, valid, signed)
            : new StatementVerification(false, $"{valid.Count} valid signatures of distinct pinned replicas; {quorum} are needed", valid, signed);
    }

    private static string? FieldMismatch(SignedHead head, SignedStatement signed)
    {
        if (head.Statement is null || !head.Statement.SameAs(signed))
        {
            return "the statement's fields differ from the signed bytes";
        }

        if (head.StreamId != signed.StreamId)
        {
            return $"the answer names stream '{head.StreamId}' but the signed statement is about '{signed.StreamId}'";
        }

        // The answer's own range is the batch's: it starts where the statement does and ends at or before the
        // stream's last sequence (a duplicate's statement may describe a stream that has grown since).
        if ((head.FirstSequence is { } first && first != signed.FirstSequence)
            || (head.LastSequence is { } last && (last > signed.LastSequence || last < signed.FirstSequence)))
        {
            return "the answer's sequence range is not the one the signed statement covers";
        }

        if (head is Receipt receipt && head.LastSequence is { } end && receipt.Count != end - signed.FirstSequence + 1)
        {
            return $"the receipt counts {receipt.Count} entries but names sequences {signed.FirstSequence}..{end}";
        }

        return null;
    }
}
