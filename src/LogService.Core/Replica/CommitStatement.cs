using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace LogService.Core.Replica;

/// <summary>
/// What a replica vouches for after executing a command (DESIGN §8): the stream's state after it. f+1 equal signed
/// statements make a receipt (at least one correct replica committed it); 2f+1 make a certified head.
/// </summary>
/// <param name="StreamId">The stream.</param>
/// <param name="FirstSequence">The first sequence the command appended (or, for a duplicate, originally appended).</param>
/// <param name="LastSequence">The stream's last sequence after the command.</param>
/// <param name="YHead">Y of that last entry.</param>
/// <param name="MerkleRoot">The stream's Merkle root over entries 0..LastSequence.</param>
/// <param name="Instance">The consensus instance that decided the command.</param>
public sealed record CommitStatement(string StreamId, long FirstSequence, long LastSequence, byte[] YHead, byte[] MerkleRoot, long Instance)
{
    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("logsvc/commit/v1\0");

    /// <summary>ECDSA P-256 signatures are 64 bytes (IEEE P1363: r ‖ s).</summary>
    public const int SignatureSize = 64;

    /// <summary>The exact bytes that are signed.</summary>
    public byte[] ToSignedBytes()
    {
        var id = Encoding.UTF8.GetBytes(StreamId);
        var bytes = new byte[Domain.Length + 2 + id.Length + 8 + 8 + 32 + 32 + 8];
        var span = bytes.AsSpan();
        Domain.CopyTo(span);
        span = span[Domain.Length..];
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)id.Length);
        id.CopyTo(span[2..]);
        span = span[(2 + id.Length)..];
        BinaryPrimitives.WriteInt64BigEndian(span, FirstSequence);
        BinaryPrimitives.WriteInt64BigEndian(span[8..], LastSequence);
        YHead.CopyTo(span[16..]);
        MerkleRoot.CopyTo(span[48..]);
        BinaryPrimitives.WriteInt64BigEndian(span[80..], Instance);
        return bytes;
    }

    /// <summary>Signs the statement with a replica's signing key.</summary>
    public byte[] Sign(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.SignData(ToSignedBytes(), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>True when <paramref name="signature"/> is a valid signature of this statement under <paramref name="publicKey"/> (SubjectPublicKeyInfo).</summary>
    public bool Verify(ReadOnlySpan<byte> signature, ReadOnlySpan<byte> publicKey)
    {
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(publicKey, out _);
        return key.VerifyData(ToSignedBytes(), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }
}
