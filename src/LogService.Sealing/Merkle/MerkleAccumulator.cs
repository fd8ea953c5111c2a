using System.Buffers.Binary;

namespace LogService.Sealing.Merkle;

/// <summary>
/// The append-only state of an RFC 6962 tree in O(log n) space: the roots of the perfect subtrees that
/// make up the first n leaves, largest first (one per set bit of n). Appending is amortised O(1) hashes;
/// the state serializes so storage can persist it beside the stream.
/// </summary>
public sealed class MerkleAccumulator
{
    private const byte EncodingVersion = 1;
    private readonly List<byte[]> _peaks = [];

    /// <summary>Number of leaves appended.</summary>
    public long Size { get; private set; }

    /// <summary>Appends a leaf given its data.</summary>
    public void Append(ReadOnlySpan<byte> leafData)
    {
        Span<byte> leaf = stackalloc byte[MerkleHash.Size];
        MerkleHash.HashLeaf(leafData, leaf);
        AppendLeafHash(leaf);
    }

    /// <summary>Appends a leaf given its leaf hash.</summary>
    public void AppendLeafHash(ReadOnlySpan<byte> leafHash)
    {
        if (leafHash.Length != MerkleHash.Size)
        {
            throw new ArgumentException("a leaf hash is 32 bytes", nameof(leafHash));
        }

        var node = leafHash.ToArray();
        // Each trailing one bit of the old size is a perfect subtree of the new leaf's size: merge them.
        for (var size = Size; (size & 1) == 1; size >>= 1)
        {
            var left = _peaks[^1];
            _peaks.RemoveAt(_peaks.Count - 1);
            MerkleHash.HashChildren(left, node, node);
        }

        _peaks.Add(node);
        Size++;
    }

    /// <summary>
    /// Appends many leaves given their data; the result is the same as appending them one by one, but the leaf
    /// hashes and the interior nodes they complete are computed level by level, eight at a time.
    /// </summary>
    public void AppendLeaves(IReadOnlyList<byte[]> leafData)
    {
        ArgumentNullException.ThrowIfNull(leafData);
        if (leafData.Count == 0)
        {
            return;
        }

        var level = new byte[leafData.Count * MerkleHash.Size];
        MerkleLanes.HashLeaves(leafData, level);
        var count = leafData.Count;

        // At level k the new nodes start at index Size >> k; when that index is odd, the peak of level k (the last
        // one left, smaller peaks having been merged below) is their left sibling. An odd node out stays a peak.
        var newPeaks = new List<byte[]>();
        for (var start = Size; count > 0; start >>= 1)
        {
            if ((start & 1) == 1)
            {
                var withPeak = new byte[(count + 1) * MerkleHash.Size];
                _peaks[^1].CopyTo(withPeak, 0);
                level.AsSpan(0, count * MerkleHash.Size).CopyTo(withPeak.AsSpan(MerkleHash.Size));
                _peaks.RemoveAt(_peaks.Count - 1);
                level = withPeak;
                count++;
            }

            if ((count & 1) == 1)
            {
                newPeaks.Add(level.AsSpan((count - 1) * MerkleHash.Size, MerkleHash.Size).ToArray());
            }

            var parents = count / 2;
            if (parents > 0)
            {
                MerkleLanes.HashPairs(level.AsSpan(0, parents * 2 * MerkleHash.Size), level.AsSpan(0, parents * MerkleHash.Size));
            }

            count = parents;
        }

        for (var i = newPeaks.Count - 1; i >= 0; i--)
        {
            _peaks.Add(newPeaks[i]);
        }

        Size += leafData.Count;
    }

    /// <summary>The tree head MTH of all leaves so far.</summary>
    public byte[] Root()
    {
        if (_peaks.Count == 0)
        {
            return MerkleHash.EmptyRoot();
        }

        var root = (byte[])_peaks[^1].Clone();
        for (var i = _peaks.Count - 2; i >= 0; i--)
        {
            MerkleHash.HashChildren(_peaks[i], root, root);
        }

        return root;
    }

    /// <summary>Version, size, then the peaks largest first.</summary>
    public byte[] Serialize()
    {
        var bytes = new byte[1 + 8 + (_peaks.Count * MerkleHash.Size)];
        bytes[0] = EncodingVersion;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(1), Size);
        for (var i = 0; i < _peaks.Count; i++)
        {
            _peaks[i].CopyTo(bytes, 9 + (i * MerkleHash.Size));
        }

        return bytes;
    }

    /// <summary>Reads the form written by <see cref="Serialize"/>.</summary>
    public static MerkleAccumulator Deserialize(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 9 || bytes[0] != EncodingVersion)
        {
            throw new SealedEntryFormatException("not a version 1 Merkle accumulator");
        }

        var size = BinaryPrimitives.ReadInt64BigEndian(bytes[1..]);
        if (size < 0 || bytes.Length != 9 + (long.PopCount(size) * MerkleHash.Size))
        {
            throw new SealedEntryFormatException("Merkle accumulator length does not match its size");
        }

        var accumulator = new MerkleAccumulator { Size = size };
        for (var offset = 9; offset < bytes.Length; offset += MerkleHash.Size)
        {
            accumulator._peaks.Add(bytes.Slice(offset, MerkleHash.Size).ToArray());
        }

        return accumulator;
    }
}
