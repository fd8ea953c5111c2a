using LogService.Client.Models;
using LogService.Sealing;
using LogService.Sealing.Merkle;

namespace LogService.Client.Trust;

/// <summary>Checks Merkle proofs against certified heads that have already been verified.</summary>
public static class ProofChecks
{
    /// <summary>
    /// Null when <paramref name="entry"/>'s sealed bytes are the leaf at its sequence in the tree of the verified
    /// <paramref name="head"/>; otherwise why not.
    /// </summary>
    public static string? CheckInclusion(ProvenEntry entry, SignedStatement head)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(head);
        if (!SealedEntry.TryDecode(entry.Sealed, out var sealedEntry, out var error))
        {
            return $"the sealed entry is malformed: {error}";
        }

        if (sealedEntry.Header.StreamId != entry.StreamId || sealedEntry.Header.Sequence != entry.Sequence)
        {
            return $"the sealed entry is {sealedEntry.Header.StreamId}#{sealedEntry.Header.Sequence}, not {entry.StreamId}#{entry.Sequence}";
        }

        var proof = entry.Proof;
        if (proof is null)
        {
            return $"the replica gave no inclusion proof: {entry.ProofUnavailable}";
        }

        if (proof.LeafIndex != entry.Sequence || proof.TreeSize != head.LastSequence + 1 || !proof.Root.AsSpan().SequenceEqual(head.MerkleRoot))
        {
            return "the proof is not against the certified head's tree";
        }

        return MerkleProof.VerifyInclusion(MerkleHash.HashLeaf(entry.Sealed), proof.LeafIndex, proof.TreeSize, proof.Path, head.MerkleRoot)
            ? null
            : $"the inclusion proof for entry {entry.Sequence} does not lead to the certified Merkle root";
    }

    /// <summary>Null when <paramref name="proof"/> shows <paramref name="older"/>'s tree is a prefix of <paramref name="newer"/>'s; otherwise why not.</summary>
    public static string? CheckConsistency(SignedStatement older, SignedStatement newer, ConsistencyProof proof)
    {
        ArgumentNullException.ThrowIfNull(older);
        ArgumentNullException.ThrowIfNull(newer);
        ArgumentNullException.ThrowIfNull(proof);
        if (older.StreamId != newer.StreamId || proof.First != older.LastSequence + 1 || proof.Second != newer.LastSequence + 1)
        {
            return "the consistency proof is not between the two heads' trees";
        }

        return MerkleProof.VerifyConsistency(proof.First, proof.Second, older.MerkleRoot, newer.MerkleRoot, proof.Path)
            ? null
            : $"the tree of {proof.First} entries is not a prefix of the tree of {proof.Second}: history was rewritten";
    }
}
