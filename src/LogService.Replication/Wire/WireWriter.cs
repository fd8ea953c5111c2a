using System.Buffers;
using System.Buffers.Binary;

namespace LogService.Replication.Wire;

/// <summary>Little-endian writers over a reusable <see cref="ArrayBufferWriter{T}"/>, so encoding allocates nothing once warm.</summary>
internal static class WireWriter
{
    public static void WriteByte(this ArrayBufferWriter<byte> w, byte v)
    {
        w.GetSpan(1)[0] = v;
        w.Advance(1);
    }

    public static void WriteInt32(this ArrayBufferWriter<byte> w, int v)
    {
        BinaryPrimitives.WriteInt32LittleEndian(w.GetSpan(4), v);
        w.Advance(4);
    }

    public static void WriteInt64(this ArrayBufferWriter<byte> w, long v)
    {
        BinaryPrimitives.WriteInt64LittleEndian(w.GetSpan(8), v);
        w.Advance(8);
    }

    public static void WriteRaw(this ArrayBufferWriter<byte> w, ReadOnlySpan<byte> bytes) => w.Write(bytes);

    public static void WriteSized(this ArrayBufferWriter<byte> w, ReadOnlySpan<byte> bytes)
    {
        w.WriteInt32(bytes.Length);
        w.Write(bytes);
    }

    /// <summary>Writes the common header: version and message type.</summary>
    public static void WriteHeader(this ArrayBufferWriter<byte> w, Events.MessageKind kind)
    {
        w.WriteByte(MessageCodec.Version);
        w.WriteByte((byte)kind);
    }
}
