using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace LogService.Client.Trust;

/// <summary>
/// A replica's commit statement as it is signed: ASCII <c>logsvc/commit/v1\0</c>, u16 stream-id length, stream id
/// (UTF-8), i64 first sequence, i64 last sequence, 32 B Y head, 32 B Merkle root, i64 instance, all big-endian.
/// The client decodes the signed bytes itself instead of trusting the JSON a replica sent beside them.
/// </summary>
/// <param name="StreamId">The stream.</param>
/// <param name="FirstSequence">The first sequence the command appended.</param>
/// <param name="LastSequence">The stream's last sequence after the command.</param>
/// <param name="YHead">Y of the last entry (32 bytes).</param>
/// <param name="MerkleRoot">The Merkle root over entries 0..LastSequence (32 bytes).</param>
/// <param name="Instance">The consensus instance that decided the command.</param>
public sealed record SignedStatement(string StreamId, long FirstSequence, long LastSequence, byte[] YHead, byte[] MerkleRoot, long Instance)
{
    /// <summary>Length of the Y head and the Merkle root.</summary>
    public const int HashSize = 32;

    /// <summary>ECDSA P-256 signatures are 64 bytes (IEEE P1363: r ‖ s).</summary>
    public const int SignatureSize = 64;

    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("logsvc/commit/v1\0");
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The exact bytes replicas sign.</summary>
    public byte[] ToSignedBytes()
    {
        if (YHead.Length != HashSize || MerkleRoot.Length != HashSize)
        {
            throw new InvalidOperationException("the Y head and the Merkle root must be 32 bytes each");
        }

        var id = StrictUtf8.GetBytes(StreamId);
        var bytes = new byte[Domain.Length + 2 + id.Length + 8 + 8 + HashSize + HashSize + 8];
        var span = bytes.AsSpan();
        Domain.CopyTo(span);
        span = span[Domain.Length..];
        BinaryPrimitives.WriteUInt16BigEndian(span, checked((ushort)id.Length));
        id.CopyTo(span[2..]);
        span = span[(2 + id.Length)..];
        BinaryPrimitives.WriteInt64BigEndian(span, FirstSequence);
        BinaryPrimitives.WriteInt64BigEndian(span[8..], LastSequence);
        YHead.CopyTo(span[16..]);
        MerkleRoot.CopyTo(span[48..]);
        BinaryPrimitives.WriteInt64BigEndian(span[80..], Instance);
        return bytes;
    }

    /// <summary>Decodes signed bytes; accepts only exactly what <see cref="ToSignedBytes"/> writes.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SignedStatement? statement)
    {
        statement = null;
        const int Fixed = 8 + 8 + HashSize + HashSize + 8;
        if (bytes.Length < Domain.Length + 2 + Fixed || !bytes.StartsWith(Domain))
        {
            return false;
        }

        var rest = bytes[Domain.Length..];
        int idLength = BinaryPrimitives.ReadUInt16BigEndian(rest);
        rest = rest[2..];
        if (rest.Length != idLength + Fixed)
        {
            return false;
        }

        string streamId;
        try
        {
            streamId = StrictUtf8.GetString(rest[..idLength]);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        rest = rest[idLength..];
        statement = new SignedStatement(
            streamId,
            BinaryPrimitives.ReadInt64BigEndian(rest),
            BinaryPrimitives.ReadInt64BigEndian(rest[8..]),
            rest.Slice(16, HashSize).ToArray(),
            rest.Slice(48, HashSize).ToArray(),
            BinaryPrimitives.ReadInt64BigEndian(rest[80..]));
        return true;
    }

    /// <summary>True when every field, including the hashes, equals <paramref name="other"/>'s.</summary>
    public bool SameAs(SignedStatement other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return StreamId == other.StreamId && FirstSequence == other.FirstSequence && LastSequence == other.LastSequence
            && Instance == other.Instance && YHead.AsSpan().SequenceEqual(other.YHead) && MerkleRoot.AsSpan().SequenceEqual(other.MerkleRoot);
    }

    /// <summary>True when <paramref name="signature"/> is a valid ECDSA P-256 / SHA-256 signature of <paramref name="signedBytes"/> under <paramref name="key"/>.</summary>
    internal static bool VerifySignature(ECDsa key, byte[] signedBytes, ReadOnlySpan<byte> signature) =>
        signature.Length == SignatureSize
        && key.VerifyData(signedBytes, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
}
