using System.Collections.Concurrent;
using LogService.Sealing.Merkle;
using LogService.Storage;

namespace LogService.Server.Reading;

/// <summary>
/// RFC 6962 inclusion and consistency proofs over a stream's stored entries. The roots of complete, aligned perfect
/// subtrees of at least <see cref="ChunkSize"/> leaves never change, so they are cached per stream: a proof in a
/// tree of 10M leaves reads at most one chunk of leaves from storage and hashes O(log n) cached nodes, instead of
/// rehashing every leaf.
/// </summary>
internal sealed class StreamMerkleProofs(ILogStore store, int chunkSize = StreamMerkleProofs.DefaultChunkSize)
{
    public const int DefaultChunkSize = 4096;

    private readonly ConcurrentDictionary<(string Stream, long Start, long Size), byte[]> _perfect = new();

    public int ChunkSize { get; } = chunkSize;

    /// <summary>Audit path of leaf <paramref name="index"/> in the stream's tree of <paramref name="size"/> leaves.</summary>
    /// <exception cref="EntriesRemovedException">A leaf the proof needs was removed by retention and no cached node covers it.</exception>
    public IReadOnlyList<byte[]> InclusionProof(string streamId, long index, long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, size);
        var proof = new List<byte[]>();
        var reader = new LeafReader(store, streamId, ChunkSize);
        Path(reader, index, 0, size, proof);
        return proof;
    }

    /// <summary>RFC 6962 PROOF(first, D[second]) for the stream.</summary>
    public IReadOnlyList<byte[]> ConsistencyProof(string streamId, long first, long second)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(first, second);
        var proof = new List<byte[]>();
        if (first > 0 && first < second)
        {
            SubProof(new LeafReader(store, streamId, ChunkSize), first, 0, second, startsAtOldRoot: true, proof);
        }

        return proof;
    }

    /// <summary>MTH of the stream's first <paramref name="size"/> leaves.</summary>
    public byte[] Root(string streamId, long size) =>
        size == 0 ? MerkleHash.EmptyRoot() : Node(new LeafReader(store, streamId, ChunkSize), 0, size);

    private void Path(LeafReader reader, long index, long start, long count, List<byte[]> proof)
    {
        if (count == 1)
        {
            return;
        }

        var split = LargestPowerOfTwoBelow(count);
        if (index < split)
        {
            Path(reader, index, start, split, proof);
            proof.Add(Node(reader, start + split, count - split));
        }
        else
        {
            Path(reader, index - split, start + split, count - split, proof);
            proof.Add(Node(reader, start, split));
        }
    }

    private void SubProof(LeafReader reader, long oldSize, long start, long count, bool startsAtOldRoot, List<byte[]> proof)
    {
        if (oldSize == count)
        {
            if (!startsAtOldRoot)
            {
                proof.Add(Node(reader, start, count));
            }

            return;
        }

        var split = LargestPowerOfTwoBelow(count);
        if (oldSize <= split)
        {
            SubProof(reader, oldSize, start, split, startsAtOldRoot, proof);
            proof.Add(Node(reader, start + split, count - split));
        }
        else
        {
            SubProof(reader, oldSize - split, start + split, count - split, startsAtOldRoot: false, proof);
            proof.Add(Node(reader, start, split));
        }
    }

    /// <summary>The root of leaves [start, start + count).</summary>
    private byte[] Node(LeafReader reader, long start, long count)
    {
        if (count == 1)
        {
            return reader.Leaf(start);
        }

        var perfect = long.IsPow2(count) && start % count == 0 && count >= ChunkSize;
        if (perfect && _perfect.TryGetValue((reader.StreamId, start, count), out var cached))
        {
            return cached;
        }

        var split = LargestPowerOfTwoBelow(count);
        var node = new byte[MerkleHash.Size];
        MerkleHash.HashChildren(Node(reader, start, split), Node(reader, start + split, count - split), node);
        if (perfect)
        {
            // A complete aligned subtree: immutable once its leaves exist.
            _perfect.TryAdd((reader.StreamId, start, count), node);
        }

        return node;
    }

    private static long LargestPowerOfTwoBelow(long count) => 1L << (int)(63 - long.LeadingZeroCount(count - 1));

    /// <summary>Leaf hashes read a chunk at a time and kept for the duration of one proof.</summary>
    private sealed class LeafReader(ILogStore store, string streamId, int chunkSize)
    {
        private readonly Dictionary<long, Dictionary<long, byte[]>> _chunks = [];

        public string StreamId => streamId;

        public byte[] Leaf(long index)
        {
            var chunk = index / chunkSize;
            if (!_chunks.TryGetValue(chunk, out var leaves))
            {
                var first = chunk * chunkSize;
                leaves = store.ReadRange(streamId, first, first + chunkSize - 1).Entries
                    .ToDictionary(e => e.Sequence, e => MerkleHash.HashLeaf(e.SealedEntry));
                _chunks[chunk] = leaves;
            }

            return leaves.TryGetValue(index, out var leaf)
                ? leaf
                : throw new EntriesRemovedException($"entry {index} of {streamId} is not stored (removed by retention or missing), so this proof cannot be built");
        }
    }
}

/// <summary>A proof or export needs entries that are no longer stored.</summary>
internal sealed class EntriesRemovedException(string message) : Exception(message);
