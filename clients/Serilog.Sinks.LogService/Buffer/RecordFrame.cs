using System.Buffers.Binary;
using System.Numerics;

namespace Serilog.Sinks.LogService.Buffer;

/// <summary>
/// One buffered event on disk: u32 payload length, u32 CRC-32C over (sequence ‖ payload), i64 sequence, payload
/// (the event as one CLEF line, UTF-8), little-endian. A record cut short by a process kill, or one whose bytes were
/// never written, fails the length or CRC check and is never taken for an event.
/// </summary>
internal static class RecordFrame
{
    /// <summary>Bytes before the payload.</summary>
    public const int HeaderSize = 16;

    /// <summary>Writes the header for <paramref name="payload"/> into the first <see cref="HeaderSize"/> bytes of <paramref name="frame"/>.</summary>
    public static void WriteHeader(Span<byte> frame, long sequence, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteInt32LittleEndian(frame, payload.Length);
        BinaryPrimitives.WriteInt64LittleEndian(frame[8..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], Checksum(frame.Slice(8, 8), payload));
    }

    /// <summary>
    /// Reads the record at the start of <paramref name="bytes"/>. False when the bytes hold no complete, intact
    /// record (torn write, zeroes, garbage) or its payload is longer than <paramref name="maxPayload"/>.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, int maxPayload, out long sequence, out int payloadLength)
    {
        sequence = 0;
        payloadLength = 0;
        if (bytes.Length < HeaderSize)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        if (length <= 0 || length > maxPayload || length > bytes.Length - HeaderSize)
        {
            return false;
        }

        var expected = BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]);
        if (Checksum(bytes.Slice(8, 8), bytes.Slice(HeaderSize, length)) != expected)
        {
            return false;
        }

        sequence = BinaryPrimitives.ReadInt64LittleEndian(bytes[8..]);
        payloadLength = length;
        return true;
    }

    /// <summary>The length <see cref="TryRead"/> would need, when the header is present; lets a reader fetch the rest.</summary>
    public static int DeclaredLength(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadInt32LittleEndian(header);

    private static uint Checksum(ReadOnlySpan<byte> sequence, ReadOnlySpan<byte> payload)
    {
        var crc = BitOperations.Crc32C(0xFFFFFFFFu, BinaryPrimitives.ReadUInt64LittleEndian(sequence));
        var i = 0;
        for (; i + 8 <= payload.Length; i += 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(payload[i..]));
        }

        for (; i < payload.Length; i++)
        {
            crc = BitOperations.Crc32C(crc, payload[i]);
        }

        return ~crc;
    }
}
