using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using LogService.Sealing.Merkle;

namespace LogService.Console.Api;

/// <summary>What the console itself concluded about an entry's inclusion proof; <see cref="Reason"/> says why in words.</summary>
public sealed record ProofOutcome(bool Verified, string Reason);

/// <summary>
/// Checks, in the console and without trusting the answering replica, that an entry's sealed bytes are a leaf of
/// the Merkle tree whose root 2f+1 distinct replicas signed in the certified head (keys from the replica set).
/// </summary>
public static class ProofCheck
{
    private static readonly byte[] StatementPrefix = Encoding.ASCII.GetBytes("logsvc/commit/v1\0");

    public static ProofOutcome Check(EntryDetail detail, ReplicaSet replicas)
    {
        if (detail.Sealed is null || detail.Proof is null || detail.CertifiedHead is null)
        {
            return new(false, detail.ProofUnavailable is { } why
                ? $"There is no proof to check: {why}."
                : "The entry is not yet covered by a certified head, so there is no proof to check.");
        }

        var proof = detail.Proof;
        var signedRoot = SignedRoot(detail.CertifiedHead.StatementBytes, detail.Entry.StreamId);
        if (signedRoot is null)
        {
            return new(false, "The certified head's signed statement is malformed or names another stream.");
        }

        var signers = ValidSigners(detail.CertifiedHead, replicas);
        var quorum = (2 * replicas.F) + 1;
        if (signers < quorum)
        {
            return new(false, $"The certified head carries {signers} valid replica signatures; {quorum} are needed.");
        }

        var root = Convert.FromBase64String(proof.Root);
        if (!root.AsSpan().SequenceEqual(signedRoot))
        {
            return new(false, "The proof's root is not the root the replicas signed.");
        }

        var leaf = MerkleHash.HashLeaf(Convert.FromBase64String(detail.Sealed));
        var path = proof.Path.Select(Convert.FromBase64String).ToList();
        return MerkleProof.VerifyInclusion(leaf, proof.LeafIndex, proof.TreeSize, path, root)
            ? new(true, $"Leaf {proof.LeafIndex} of {proof.TreeSize} hashes up to the root signed by {signers} of {replicas.N} replicas.")
            : new(false, $"The inclusion path does not lead from this entry's sealed bytes to the signed root (leaf {proof.LeafIndex} of {proof.TreeSize}).");
    }

    private static int ValidSigners(SignedStatement head, ReplicaSet replicas)
    {
        var bytes = Convert.FromBase64String(head.StatementBytes);
        var valid = new HashSet<int>();
        foreach (var signature in head.Signatures)
        {
            var replica = replicas.Replicas.FirstOrDefault(r => r.Id == signature.Replica);
            if (replica is null || valid.Contains(replica.Id))
            {
                continue;
            }

            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(replica.SigningKey), out _);
            if (key.VerifyData(bytes, Convert.FromBase64String(signature.Signature), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
            {
                valid.Add(replica.Id);
            }
        }

        return valid.Count;
    }

    // The Merkle root inside CommitStatement.ToSignedBytes(): prefix, u16 id length, id, i64 first, i64 last, 32 B Y head, 32 B root, i64 instance.
    private static byte[]? SignedRoot(string statementBytes, string streamId)
    {
        var bytes = Convert.FromBase64String(statementBytes).AsSpan();
        if (!bytes.StartsWith(StatementPrefix) || bytes.Length < StatementPrefix.Length + 2)
        {
            return null;
        }

        var rest = bytes[StatementPrefix.Length..];
        int idLength = BinaryPrimitives.ReadUInt16BigEndian(rest);
        if (rest.Length != 2 + idLength + 8 + 8 + 32 + 32 + 8 || Encoding.UTF8.GetString(rest.Slice(2, idLength)) != streamId)
        {
            return null;
        }

        return rest.Slice(2 + idLength + 16 + 32, 32).ToArray();
    }
}
