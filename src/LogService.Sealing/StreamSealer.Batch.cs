using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Buffers.Binary;
using System.Security.Cryptography;
using LogService.Sealing.Crypto;
using LogService.Sealing.Format;

namespace LogService.Sealing;

/// <content>Batch sealing: the sequential key and hash chains, with encryption and MACs spread over cores.</content>
public sealed partial class StreamSealer
{
    /// <summary>Batches smaller than this are sealed on the calling thread: fanning out costs more than it saves.</summary>
    private const int ParallelThreshold = 256;

    /// <summary>The HMAC's inner and outer key states: eight SHA-256 state words each.</summary>
    private const int MacPadWords = 16;

    /// <summary>
    /// Seals consecutive data entries into <paramref name="destination"/>, back to back, writing each entry's
    /// length to <paramref name="entryLengths"/>. The chain of secrets and the chain of links are computed in
    /// order; encryption and MACs, which depend only on their own entry, run on up to
    /// <paramref name="maxDegreeOfParallelism"/> threads. Returns false, sealing nothing, when the destination is too small.
    /// </summary>
    public bool TrySealDataBatch(
        ReadOnlySpan<EntryMetadata> metadata,
        IReadOnlyList<ReadOnlyMemory<byte>> bodies,
        Memory<byte> destination,
        Span<int> entryLengths,
        out int bytesWritten,
        int maxDegreeOfParallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(bodies);
        var count = metadata.Length;
        if (bodies.Count != count || entryLengths.Length < count)
        {
            throw new ArgumentException("metadata, bodies and entry lengths must describe the same entries");
        }

        var total = 0L;
        for (var i = 0; i < count; i++)
        {
            EnsureCanSeal(EntryKind.Data, bodies[i].Length);
            entryLengths[i] = GetEncodedLength(metadata[i], bodies[i].Length);
            total += entryLengths[i];
        }

        if (total > destination.Length)
        {
            bytesWritten = 0;
            return false;
        }

        if (maxDegreeOfParallelism <= 1 || count < ParallelThreshold)
        {
            var entries = new Memory<byte>[count];
            var offset = 0;
            for (var i = 0; i < count; i++)
            {
                entries[i] = destination.Slice(offset, entryLengths[i]);
                offset += entryLengths[i];
            }

            SealInGroups(metadata, bodies, entries);
            bytesWritten = offset;
            return true;
        }

        bytesWritten = SealInParallel(metadata, bodies, destination, entryLengths[..count], maxDegreeOfParallelism);
        return true;
    }

    /// <summary>
    /// Seals consecutive data entries on the calling thread, each into a new array of its own: the entries
    /// <see cref="TrySealData"/> would give one by one, with the MACs of every eight computed side by side.
    /// </summary>
    public byte[][] SealDataBatch(ReadOnlySpan<EntryMetadata> metadata, IReadOnlyList<ReadOnlyMemory<byte>> bodies)
    {
        ArgumentNullException.ThrowIfNull(bodies);
        if (bodies.Count != metadata.Length)
        {
            throw new ArgumentException("metadata and bodies must describe the same entries");
        }

        var sealedEntries = new byte[metadata.Length][];
        var entries = new Memory<byte>[metadata.Length];
        for (var i = 0; i < metadata.Length; i++)
        {
            EnsureCanSeal(EntryKind.Data, bodies[i].Length);
            sealedEntries[i] = new byte[GetEncodedLength(metadata[i], bodies[i].Length)];
            entries[i] = sealedEntries[i];
        }

        SealInGroups(metadata, bodies, entries);
        return sealedEntries;
    }

    /// <summary>
    /// Seals data entries in order into <paramref name="entries"/> (each exactly its entry's length), eight at a time:
    /// everything up to the MAC one by one along the chain, then the eight MACs side by side. Only the current eight
    /// entries' HMAC key states are held, and they are zeroed before this returns.
    /// </summary>
    private void SealInGroups(ReadOnlySpan<EntryMetadata> metadata, IReadOnlyList<ReadOnlyMemory<byte>> bodies, ReadOnlySpan<Memory<byte>> entries)
    {
        Span<uint> macPads = stackalloc uint[EightLaneSha256.Lanes * MacPadWords];
        try
        {
            for (var first = 0; first < entries.Length; first += EightLaneSha256.Lanes)
            {
                var lanes = Math.Min(EightLaneSha256.Lanes, entries.Length - first);
                for (var lane = 0; lane < lanes; lane++)
                {
                    var i = first + lane;
                    SealAllButMac(EntryKind.Data, metadata[i], metadata[i].PermissionMask, bodies[i].Span, entries[i].Span, macPads.Slice(lane * MacPadWords, MacPadWords));
                }

                WriteMacs(macPads[..(lanes * MacPadWords)], entries.Slice(first, lanes));
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(macPads));
        }
    }

    /// <summary>Writes Z_j into each of <paramref name="entries"/> (sealed but for the MAC) from its key states, eight side by side.</summary>
    private static void WriteMacs(ReadOnlySpan<uint> macPads, ReadOnlySpan<Memory<byte>> entries)
    {
        Span<byte> links = stackalloc byte[EightLaneSha256.Lanes * EntryFormat.HashSize];
        Span<byte> macs = stackalloc byte[EightLaneSha256.Lanes * EntryFormat.HashSize];
        for (var first = 0; first < entries.Length; first += EightLaneSha256.Lanes)
        {
            var lanes = Math.Min(EightLaneSha256.Lanes, entries.Length - first);
            for (var lane = 0; lane < lanes; lane++)
            {
                var entry = entries[first + lane].Span;
                entry.Slice(entry.Length - (2 * EntryFormat.HashSize), EntryFormat.HashSize).CopyTo(links[(lane * EntryFormat.HashSize)..]);
            }

            ChainHasher.ComputeMacsFromPads(macPads.Slice(first * MacPadWords, lanes * MacPadWords), links[..(lanes * EntryFormat.HashSize)], macs);
            for (var lane = 0; lane < lanes; lane++)
            {
                macs.Slice(lane * EntryFormat.HashSize, EntryFormat.HashSize).CopyTo(entries[first + lane].Span[^EntryFormat.HashSize..]);
            }
        }
    }

    private int SealInParallel(
        ReadOnlySpan<EntryMetadata> metadata, IReadOnlyList<ReadOnlyMemory<byte>> bodies, Memory<byte> destination, Span<int> entryLengths, int parallelism)
    {
        var count = metadata.Length;
        var offsets = new int[count];
        var headerLengths = new int[count];
        var masks = new ulong[count];

        // Each K_j and HMAC key state of the batch, held only until the batch is sealed and zeroed in the
        // finally block. The key states allow MACs for their own entry only; no A_j is kept.
        var macPads = ArrayPool<uint>.Shared.Rent(count * MacPadWords);
        var keys = ArrayPool<byte>.Shared.Rent(count * EntryFormat.KeySize);
        try
        {
            var offset = 0;
            var span = destination.Span;
            for (var i = 0; i < count; i++)
            {
                offsets[i] = offset;
                masks[i] = metadata[i].PermissionMask;
                headerLengths[i] = EntryWriter.WriteHeader(span[offset..], EntryKind.Data, NextSequence + i, _streamId, metadata[i], masks[i]);
                BinaryPrimitives.WriteUInt32BigEndian(span[(offset + headerLengths[i])..], (uint)bodies[i].Length);
                _hasher.PrepareEntry(masks[i], _secret, keys.AsSpan(i * EntryFormat.KeySize, EntryFormat.KeySize), macPads.AsSpan(i * MacPadWords, MacPadWords));
                offset += entryLengths[i];
            }

            var firstSequence = NextSequence;
            var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism };
            var ranges = Partitioner.Create(0, count, ParallelThreshold / 2);
            Parallel.ForEach(ranges, options, range =>
            {
                for (var i = range.Item1; i < range.Item2; i++)
                {
                    var entry = destination.Span[offsets[i]..];
                    var body = bodies[i].Span;
                    var cipher = entry.Slice(headerLengths[i] + 4, body.Length + EntryFormat.TagSize);
                    EntryCipher.Encrypt(keys.AsSpan(i * EntryFormat.KeySize, EntryFormat.KeySize), firstSequence + i, body, entry[..headerLengths[i]], cipher[..body.Length], cipher[body.Length..]);
                }
            });

            span = destination.Span;
            for (var i = 0; i < count; i++)
            {
                var entry = span.Slice(offsets[i], entryLengths[i]);
                var bodyLength = bodies[i].Length;
                var link = entry.Slice(headerLengths[i] + 4 + bodyLength + EntryFormat.TagSize, EntryFormat.HashSize);
                _hasher.ComputeLink(_head, entry[..headerLengths[i]], entry.Slice(headerLengths[i] + 4, bodyLength + EntryFormat.TagSize), masks[i], link);
                link.CopyTo(_head);
            }

            var entries = new Memory<byte>[count];
            for (var i = 0; i < count; i++)
            {
                entries[i] = destination.Slice(offsets[i], entryLengths[i]);
            }

            Parallel.ForEach(ranges, options, range =>
                WriteMacs(macPads.AsSpan(range.Item1 * MacPadWords, (range.Item2 - range.Item1) * MacPadWords), entries.AsSpan(range.Item1, range.Item2 - range.Item1)));

            NextSequence += count;
            return offset;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(macPads.AsSpan(0, count * MacPadWords)));
            CryptographicOperations.ZeroMemory(keys.AsSpan(0, count * EntryFormat.KeySize));
            ArrayPool<uint>.Shared.Return(macPads);
            ArrayPool<byte>.Shared.Return(keys);
        }
    }
}
