using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using LogService.Sealing.Format;

namespace LogService.Sealing;

/// <summary>
/// Everything a sealer needs to continue a stream after a restart: the current secret A_j, the head
/// Y_{j-1} and the next sequence j. It contains a live secret: persist it only encrypted (DESIGN §6), and
/// dispose it to zero the secret.
/// </summary>
public sealed class SealerState : IDisposable
{
    private const byte StateVersion = 1;
    private readonly byte[] _secret;
    private readonly byte[] _head;

    /// <summary>Creates a state from its parts (copied).</summary>
    public SealerState(string streamId, long nextSequence, ReadOnlySpan<byte> currentSecret, ReadOnlySpan<byte> head, bool isClosed)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        ArgumentOutOfRangeException.ThrowIfNegative(nextSequence);
        if (currentSecret.Length != EntryFormat.KeySize || head.Length != EntryFormat.HashSize)
        {
            throw new ArgumentException("secret and head must be 32 bytes each");
        }

        StreamId = streamId;
        NextSequence = nextSequence;
        _secret = currentSecret.ToArray();
        _head = head.ToArray();
        IsClosed = isClosed;
    }

    /// <summary>The stream being sealed.</summary>
    public string StreamId { get; }

    /// <summary>The sequence j the next entry will get.</summary>
    public long NextSequence { get; }

    /// <summary>The current secret A_j.</summary>
    public ReadOnlySpan<byte> CurrentSecret => _secret;

    /// <summary>The head Y_{j-1}: the link of the last sealed entry (the genesis link before the first).</summary>
    public ReadOnlySpan<byte> Head => _head;

    /// <summary>True once the close entry is sealed.</summary>
    public bool IsClosed { get; }

    /// <summary>Binary form: version, closed flag, next sequence, secret, head, stream id (all big-endian, length-prefixed).</summary>
    public byte[] Encode()
    {
        var id = Encoding.UTF8.GetBytes(StreamId);
        var bytes = new byte[1 + 1 + 8 + EntryFormat.KeySize + EntryFormat.HashSize + 2 + id.Length];
        bytes[0] = StateVersion;
        bytes[1] = IsClosed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(2), NextSequence);
        _secret.CopyTo(bytes.AsSpan(10));
        _head.CopyTo(bytes.AsSpan(42));
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(74), (ushort)id.Length);
        id.CopyTo(bytes.AsSpan(76));
        return bytes;
    }

    /// <summary>Reads the form written by <see cref="Encode"/>.</summary>
    public static SealerState Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 76 || bytes[0] != StateVersion || bytes[1] > 1)
        {
            throw new SealedEntryFormatException("not a version 1 sealer state");
        }

        int idLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[74..]);
        if (bytes.Length != 76 + idLength || !System.Text.Unicode.Utf8.IsValid(bytes[76..]))
        {
            throw new SealedEntryFormatException("sealer state has a malformed stream id");
        }

        var next = BinaryPrimitives.ReadInt64BigEndian(bytes[2..]);
        if (next < 0)
        {
            throw new SealedEntryFormatException("sealer state has a negative sequence");
        }

        return new SealerState(Encoding.UTF8.GetString(bytes[76..]), next, bytes.Slice(10, 32), bytes.Slice(42, 32), bytes[1] == 1);
    }

    /// <summary>Zeroes the secret.</summary>
    public void Dispose() => CryptographicOperations.ZeroMemory(_secret);
}
