using System.Buffers.Binary;
using LogService.Sealing;
using LogService.Sealing.Merkle;
using LogService.Storage;

namespace LogService.Server.Reading;

/// <summary>The Merkle root a stored head vouches for, read from the accumulator the Log Core keeps in the head.</summary>
internal static class HeadMerkleRoot
{
    /// <summary>
    /// The root of the stream's tree at the head. The Log Core frames its accumulator inside its chain state
    /// (version byte, little-endian length, accumulator, dedup window); a bare accumulator is accepted too.
    /// </summary>
    public static byte[] Of(StreamHead head)
    {
        var state = head.MerkleState.AsSpan();
        try
        {
            return MerkleAccumulator.Deserialize(state).Root();
        }
        catch (SealedEntryFormatException) when (state.Length >= 5)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(state[1..]);
            if (length < 0 || length > state.Length - 5)
            {
                throw;
            }

            return MerkleAccumulator.Deserialize(state.Slice(5, length)).Root();
        }
    }
}
