using System.Security.Cryptography;

namespace LogService.Sealing.Escrow;

/// <summary>
/// One auditor's share of a stream's A_0. It carries a commitment to the secret (so a wrong combination is
/// detected) and a digest over itself (so a damaged share is named before it is used).
/// </summary>
public sealed class ShamirShare
{
    private const byte EncodingVersion = 1;
    private const int DigestSize = 32;
    private readonly byte[] _value;
    private readonly byte[] _commitment;
    private readonly byte[] _digest;

    internal ShamirShare(byte threshold, byte index, byte[] value, byte[] commitment, byte[]? digest = null)
    {
        Threshold = threshold;
        Index = index;
        _value = value;
        _commitment = commitment;
        _digest = digest ?? ComputeDigest(threshold, index, value, commitment);
    }

    /// <summary>k: how many shares reconstruct the secret.</summary>
    public int Threshold { get; }

    /// <summary>The share's x coordinate, 1..255.</summary>
    public int Index { get; }

    internal ReadOnlySpan<byte> Value => _value;

    internal ReadOnlySpan<byte> Commitment => _commitment;

    /// <summary>True when the share's own digest still matches its contents.</summary>
    public bool IsIntact => CryptographicOperations.FixedTimeEquals(_digest, ComputeDigest((byte)Threshold, (byte)Index, _value, _commitment));

    /// <summary>Version, threshold, index, value length, value, commitment, digest.</summary>
    public byte[] Encode()
    {
        var bytes = new byte[4 + _value.Length + _commitment.Length + DigestSize];
        bytes[0] = EncodingVersion;
        bytes[1] = (byte)Threshold;
        bytes[2] = (byte)Index;
        bytes[3] = (byte)_value.Length;
        _value.CopyTo(bytes, 4);
        _commitment.CopyTo(bytes, 4 + _value.Length);
        _digest.CopyTo(bytes, 4 + _value.Length + _commitment.Length);
        return bytes;
    }

    /// <summary>Reads the form written by <see cref="Encode"/>; integrity is checked when shares are combined.</summary>
    public static ShamirShare Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 4 || bytes[0] != EncodingVersion || bytes[1] < 1 || bytes[2] == 0
            || bytes.Length != 4 + bytes[3] + ShamirSecretSharing.CommitmentSize + DigestSize)
        {
            throw new SealedEntryFormatException("not a version 1 secret share");
        }

        var length = bytes[3];
        return new ShamirShare(
            bytes[1],
            bytes[2],
            bytes.Slice(4, length).ToArray(),
            bytes.Slice(4 + length, ShamirSecretSharing.CommitmentSize).ToArray(),
            bytes.Slice(4 + length + ShamirSecretSharing.CommitmentSize, DigestSize).ToArray());
    }

    private static byte[] ComputeDigest(byte threshold, byte index, ReadOnlySpan<byte> value, ReadOnlySpan<byte> commitment)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("shamir-share"u8);
        hash.AppendData([EncodingVersion, threshold, index, (byte)value.Length]);
        hash.AppendData(value);
        hash.AppendData(commitment);
        return hash.GetHashAndReset();
    }
}
