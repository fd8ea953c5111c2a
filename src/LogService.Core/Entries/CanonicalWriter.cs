using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace LogService.Core.Entries;

/// <summary>Writes the primitives of the entry encoding: big-endian fixed integers, LEB128 lengths, UTF-8 strings.</summary>
internal readonly ref struct CanonicalWriter(IBufferWriter<byte> output)
{
    // Strict: a lone surrogate cannot be encoded, so two replicas never disagree on a replacement character.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public void WriteByte(byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    public void WriteVarUInt(ulong value)
    {
        var span = output.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        output.Advance(i);
    }

    public void WriteString(string value)
    {
        int length;
        try
        {
            length = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException ex)
        {
            throw new ArgumentException("Strings in an entry must be valid UTF-16 (no lone surrogates).", nameof(value), ex);
        }

        WriteVarUInt((ulong)length);
        var written = StrictUtf8.GetBytes(value, output.GetSpan(length));
        output.Advance(written);
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        WriteVarUInt((ulong)bytes.Length);
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    public void WriteHex(string hex)
    {
        var bytes = hex.Length / 2;
        var span = output.GetSpan(bytes);
        Convert.FromHexString(hex, span, out _, out var written);
        output.Advance(written);
    }

    public void WriteValue(LogValue value)
    {
        WriteByte((byte)value.Kind);
        switch (value.Kind)
        {
            case LogValueKind.Number:
            case LogValueKind.String:
                WriteString(value.Text!);
                break;
            case LogValueKind.Array:
                WriteVarUInt((ulong)value.Items.Length);
                foreach (var item in value.Items)
                {
                    WriteValue(item);
                }

                break;
            case LogValueKind.Object:
                WriteMembers(value.Members.AsSpan());
                break;
        }
    }

    public void WriteMembers(ReadOnlySpan<LogProperty> members)
    {
        WriteVarUInt((ulong)members.Length);
        foreach (var member in members)
        {
            WriteString(member.Name);
            WriteValue(member.Value);
        }
    }
}
