namespace LogService.Sealing.Merkle;

/// <summary>
/// An RFC 6962 tree over leaf hashes held in memory, for producing inclusion and consistency proofs for any
/// earlier tree size. Storage rebuilds one from stored leaf hashes when a proof is asked for.
/// </summary>
public sealed class MerkleTree
{
    private readonly List<byte[]> _leaves = [];

    /// <summary>Number of leaves.</summary>
    public long Size => _leaves.Count;

    /// <summary>Builds a tree from leaf hashes in order.</summary>
    public static MerkleTree FromLeafHashes(IEnumerable<byte[]> leafHashes)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        var tree = new MerkleTree();
        foreach (var leaf in leafHashes)
        {
            tree.AppendLeafHash(leaf);
        }

        return tree;
    }

    /// <summary>Appends a leaf given its data.</summary>
    public void Append(ReadOnlySpan<byte> leafData) => _leaves.Add(MerkleHash.HashLeaf(leafData));

    /// <summary>Appends a leaf given its hash.</summary>
    public void AppendLeafHash(ReadOnlySpan<byte> leafHash)
    {
        if (leafHash.Length != MerkleHash.Size)
        {
            throw new ArgumentException("a leaf hash is 32 bytes", nameof(leafHash));
        }

        _leaves.Add(leafHash.ToArray());
    }

    /// <summary>The leaf hash at <paramref name="index"/>.</summary>
    public byte[] LeafHash(long index) => (byte[])_leaves[checked((int)index)].Clone();

    /// <summary>MTH of the first <paramref name="size"/> leaves.</summary>
    public byte[] Root(long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, Size);
        return size == 0 ? MerkleHash.EmptyRoot() : SubtreeRoot(0, (int)size);
    }

    /// <summary>RFC 6962 PATH(m, D[n]): the audit path of leaf <paramref name="index"/> in the tree of the first <paramref name="size"/> leaves.</summary>
    public IReadOnlyList<byte[]> InclusionProof(long index, long size)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, Size);
        if (index < 0 || index >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, "the leaf must be inside the tree");
        }

        var proof = new List<byte[]>();
        Path((int)index, 0, (int)size, proof);
        return proof;
    }

    /// <summary>RFC 6962 PROOF(m, D[n]): proves the tree of <paramref name="oldSize"/> leaves is a prefix of the tree of <paramref name="newSize"/>.</summary>
    public IReadOnlyList<byte[]> ConsistencyProof(long oldSize, long newSize)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(newSize, Size);
        if (oldSize < 0 || oldSize > newSize)
        {
            throw new ArgumentOutOfRangeException(nameof(oldSize), oldSize, "the old size must be between 0 and the new size");
        }

        var proof = new List<byte[]>();
        if (oldSize > 0 && oldSize < newSize)
        {
            SubProof((int)oldSize, 0, (int)newSize, startsAtOldRoot: true, proof);
        }

        return proof;
    }

    private void Path(int index, int start, int count, List<byte[]> proof)
    {
        if (count == 1)
        {
            return;
        }

        var split = LargestPowerOfTwoBelow(count);
        if (index < split)
        {
            Path(index, start, split, proof);
            proof.Add(SubtreeRoot(start + split, count - split));
        }
        else
        {
            Path(index - split, start + split, count - split, proof);
            proof.Add(SubtreeRoot(start, split));
        }
    }

    private void SubProof(int oldSize, int start, int count, bool startsAtOldRoot, List<byte[]> proof)
    {
        if (oldSize == count)
        {
            if (!startsAtOldRoot)
            {
                proof.Add(SubtreeRoot(start, count));
            }

            return;
        }

        var split = LargestPowerOfTwoBelow(count);
        if (oldSize <= split)
        {
            SubProof(oldSize, start, split, startsAtOldRoot, proof);
            proof.Add(SubtreeRoot(start + split, count - split));
        }
        else
        {
            SubProof(oldSize - split, start + split, count - split, startsAtOldRoot: false, proof);
            proof.Add(SubtreeRoot(start, split));
        }
    }

    private byte[] SubtreeRoot(int start, int count)
    {
        if (count == 1)
        {
            return _leaves[start];
        }

        var split = LargestPowerOfTwoBelow(count);
        var node = new byte[MerkleHash.Size];
        MerkleHash.HashChildren(SubtreeRoot(start, split), SubtreeRoot(start + split, count - split), node);
        return node;
    }

    /// <summary>The largest power of two strictly less than <paramref name="count"/> (count ≥ 2): RFC 6962's split point.</summary>
    internal static int LargestPowerOfTwoBelow(int count) => 1 << (31 - int.LeadingZeroCount(count - 1));
}
