using System.Buffers.Binary;
using System.Security.Cryptography;
using LogService.Sealing.Format;

namespace LogService.Sealing;

/// <summary>
/// Per-entry encryption keys K_j handed to a reviewer: enough to decrypt exactly the released entries,
/// and nothing that derives any other key (no A_j is ever included). Dispose to zero the keys.
/// </summary>
public sealed class ReleasedKeys : IDisposable
{
    private const byte EncodingVersion = 1;
    private readonly Dictionary<long, byte[]> _keys;

    internal ReleasedKeys(Dictionary<long, byte[]> keys) => _keys = keys;

    /// <summary>How many entries the keys cover.</summary>
    public int Count => _keys.Count;

    /// <summary>The sequences of the covered entries.</summary>
    public IReadOnlyCollection<long> Sequences => _keys.Keys;

    /// <summary>True when entry <paramref name="sequence"/> can be decrypted with these keys.</summary>
    public bool Covers(long sequence) => _keys.ContainsKey(sequence);

    /// <summary>Binary form for delivery: version, count, then (sequence, K_j) pairs in sequence order.</summary>
    public byte[] Encode()
    {
        var bytes = new byte[1 + 4 + (_keys.Count * (8 + EntryFormat.KeySize))];
        bytes[0] = EncodingVersion;
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(1), _keys.Count);
        var offset = 5;
        foreach (var (sequence, key) in _keys.OrderBy(pair => pair.Key))
        {
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(offset), sequence);
            key.CopyTo(bytes, offset + 8);
            offset += 8 + EntryFormat.KeySize;
        }

        return bytes;
    }

    /// <summary>Reads the form written by <see cref="Encode"/>.</summary>
    public static ReleasedKeys Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 5 || bytes[0] != EncodingVersion)
        {
            throw new SealedEntryFormatException("not a version 1 key release");
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(bytes[1..]);
        if (count < 0 || (long)count * (8 + EntryFormat.KeySize) != bytes.Length - 5)
        {
            throw new SealedEntryFormatException("key release length does not match its count");
        }

        var keys = new Dictionary<long, byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            var record = bytes.Slice(5 + (i * (8 + EntryFormat.KeySize)), 8 + EntryFormat.KeySize);
            if (!keys.TryAdd(BinaryPrimitives.ReadInt64BigEndian(record), record[8..].ToArray()))
            {
                throw new SealedEntryFormatException("key release repeats a sequence");
            }
        }

        return new ReleasedKeys(keys);
    }

    /// <summary>Zeroes every key.</summary>
    public void Dispose()
    {
        foreach (var key in _keys.Values)
        {
            CryptographicOperations.ZeroMemory(key);
        }

        _keys.Clear();
    }

    internal bool TryGetKey(long sequence, out ReadOnlySpan<byte> key)
    {
        if (_keys.TryGetValue(sequence, out var bytes))
        {
            key = bytes;
            return true;
        }

        key = default;
        return false;
    }
}
