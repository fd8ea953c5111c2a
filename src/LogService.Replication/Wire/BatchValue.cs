using System.Buffers;
using LogService.Replication.Abstractions;

namespace LogService.Replication.Wire;

/// <summary>
/// The value consensus decides: [timestamp i64][nonce i64][count i32] then per command
/// [client i32][sequence i64][length i32][payload]. Its SHA-256 is the value digest.
/// </summary>
internal sealed class BatchValue
{
    private BatchValue(long timestamp, long nonce, OrderedCommand[] commands, int size)
    {
        Timestamp = timestamp;
        Nonce = nonce;
        Commands = commands;
        Size = size;
    }

    public long Timestamp { get; }

    public long Nonce { get; }

    public OrderedCommand[] Commands { get; }

    public int Size { get; }

    /// <summary>Encoded size of one command with a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static int CommandSize(int payloadLength) => 16 + payloadLength;

    public const int HeaderSize = 20;

    public static void Encode(ArrayBufferWriter<byte> w, long timestamp, long nonce, IReadOnlyList<OrderedCommand> commands)
    {
        w.WriteInt64(timestamp);
        w.WriteInt64(nonce);
        w.WriteInt32(commands.Count);
        foreach (var c in commands)
        {
            w.WriteInt32(c.ClientId);
            w.WriteInt64(c.Sequence);
            w.WriteSized(c.Payload.Span);
        }
    }

    /// <summary>Decodes a value; payloads are slices of <paramref name="value"/>, not copies.</summary>
    public static BatchValue Decode(byte[] value)
    {
        var r = new SpanReader(value);
        var timestamp = r.ReadInt64();
        var nonce = r.ReadInt64();
        var commands = new OrderedCommand[r.ReadCount(16)];
        for (var i = 0; i < commands.Length; i++)
        {
            var client = r.ReadInt32();
            var sequence = r.ReadInt64(1, long.MaxValue);
            var length = r.ReadInt32(0, r.Remaining);
            commands[i] = new OrderedCommand(client, sequence, new ReadOnlyMemory<byte>(value, r.Position, length));
            r.ReadSpan(length);
        }

        r.ExpectEnd();
        return new BatchValue(timestamp, nonce, commands, value.Length);
    }
}
