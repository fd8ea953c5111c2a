using System.Buffers.Binary;

namespace LogService.Replication.Tcp;

/// <summary>
/// Layout of a data frame on an authenticated link:
/// <c>length u32 | version u8 | kind u8 | node i32 | seq u64 | payload | HMAC-SHA256 (32)</c>, little-endian,
/// where length counts everything after itself and the MAC covers version through payload.
/// </summary>
/// <remarks>
/// <c>node</c> names the client a frame is about on client connections (sender upstream, addressee downstream)
/// and the sender on replica links, so one connection can carry many clients of one process.
/// </remarks>
internal static class Frame
{
    /// <summary>The wire version; a frame or handshake with another version is rejected.</summary>
    public const byte Version = 1;

    /// <summary>The kind byte of a data frame; handshake messages use 1..3.</summary>
    public const byte KindData = 0x10;

    public const int PrefixBytes = 4;
    public const int VersionAt = 4;
    public const int KindAt = 5;
    public const int NodeAt = 6;
    public const int SeqAt = 10;
    public const int PayloadAt = 18;
    public const int MacBytes = 32;

    /// <summary>Bytes a frame adds to its payload.</summary>
    public const int Overhead = PayloadAt + MacBytes;

    /// <summary>Writes an unsealed frame (sequence number and MAC filled in later by the link's writer).</summary>
    public static void Write(Span<byte> destination, int node, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, Overhead - PrefixBytes + payload.Length);
        destination[VersionAt] = Version;
        destination[KindAt] = KindData;
        BinaryPrimitives.WriteInt32LittleEndian(destination[NodeAt..], node);
        payload.CopyTo(destination[PayloadAt..]);
    }

    /// <summary>The total size of the frame that starts at <paramref name="frame"/>, prefix included.</summary>
    public static int TotalLength(ReadOnlySpan<byte> frame) => PrefixBytes + BinaryPrimitives.ReadInt32LittleEndian(frame);
}
