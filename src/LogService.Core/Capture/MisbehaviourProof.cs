using System.Buffers.Binary;
using System.Security.Cryptography;

namespace LogService.Core.Capture;

/// <summary>
/// Checks captured misbehaviour evidence offline. An equivocation is proven by two proposal statements of one
/// leader for the same regency and instance with different digests, each with a valid signature of the leader's
/// engine key: nobody but the leader could have produced both.
/// </summary>
public static class MisbehaviourProof
{
    private const int StatementSize = 1 + 4 + 8 + 32;
    private const byte Propose = (byte)'P';

    /// <summary>
    /// True when <paramref name="evidence"/> (statement, signature, statement, signature, as the engine reports it and
    /// the capture stores it) proves that the holder of <paramref name="leaderKey"/> (SubjectPublicKeyInfo) equivocated.
    /// </summary>
    public static bool ProvesEquivocation(IReadOnlyList<byte[]> evidence, ReadOnlySpan<byte> leaderKey)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        if (evidence.Count != 4 || !IsProposal(evidence[0]) || !IsProposal(evidence[2]))
        {
            return false;
        }

        var (first, second) = (evidence[0], evidence[2]);
        if (!first.AsSpan(0, 13).SequenceEqual(second.AsSpan(0, 13)) || first.AsSpan(13).SequenceEqual(second.AsSpan(13)))
        {
            // Not the same regency and instance, or not two different values: no conflict.
            return false;
        }

        using var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(leaderKey, out _);
        }
        catch (CryptographicException)
        {
            return false;
        }

        return Verify(key, first, evidence[1]) && Verify(key, second, evidence[3]);
    }

    /// <summary>The regency and instance a proposal statement names.</summary>
    public static (int Regency, long Instance) ProposalOf(byte[] statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        return IsProposal(statement)
            ? (BinaryPrimitives.ReadInt32LittleEndian(statement.AsSpan(1)), BinaryPrimitives.ReadInt64LittleEndian(statement.AsSpan(5)))
            : throw new ArgumentException("not a proposal statement", nameof(statement));
    }

    private static bool IsProposal(byte[] statement) => statement.Length == StatementSize && statement[0] == Propose;

    private static bool Verify(ECDsa key, byte[] statement, byte[] signature) =>
        signature.Length == 64 && key.VerifyData(statement, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
}
