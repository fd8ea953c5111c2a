using System.Buffers.Binary;
using LogService.Storage.Sql;
using Npgsql;

namespace LogService.Storage.Postgres;

/// <summary>
/// Sends a batch's entry rows with one binary COPY, encoding PostgreSQL's binary COPY format itself (a header, then
/// per row a field count and each field as a length and its big-endian value, then a trailer). Npgsql's typed
/// importer resolves a converter and runs an async state machine for every value, twelve per row, and cost the
/// writer more CPU per entry than the server's own parsing; encoding the fixed row layout directly is a few
/// stores per field. Rows go out in chunks, so the server parses the first while the rest are being encoded.
/// Used only by the writer, under the store's write lock.
/// </summary>
internal sealed class PostgresEntryCopy
{
    /// <summary>The columns of <see cref="EncodeRow"/>, in its order.</summary>
    public const string Command =
        "COPY entries (stream_id, seq, tenant_id, ts, level, source_cloud_id, source_node_id, source_user_id, event_type_id, w_mask, kind, sealed) " +
        "FROM STDIN (FORMAT BINARY)";

    private const int Fields = 12;

    /// <summary>The bytes of a row besides its sealed entry: field count, twelve lengths and the fixed-size values.</summary>
    private const int RowOverhead = 2 + (Fields * 4) + (5 * 4) + (3 * 8) + (2 * 2);

    /// <summary>Encoded rows are sent once this many bytes are pending.</summary>
    private const int ChunkBytes = 64 * 1024;

    // The format's signature "PGCOPY\n\377\r\n\0", then 32-bit flags (none) and header extension length (none).
    private static ReadOnlySpan<byte> Header => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private byte[] _buffer = new byte[ChunkBytes * 2];

    /// <summary>Copies <paramref name="entries"/> into <c>entries</c> on <paramref name="connection"/>, in its open transaction.</summary>
    public void Send(NpgsqlConnection connection, IReadOnlyList<EntryRecord> entries, ReadOnlySpan<EntryNameIds> names)
    {
        using var stream = connection.BeginRawBinaryCopy(Command);
        Header.CopyTo(_buffer);
        var used = Header.Length;
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var needed = RowOverhead + entry.SealedEntry.Length;
            if (used + needed > ChunkBytes && used > 0)
            {
                stream.Write(_buffer, 0, used);
                used = 0;
            }

            if (needed > _buffer.Length)
            {
                _buffer = new byte[needed];
            }

            used += EncodeRow(_buffer.AsSpan(used), entry, names[i]);
        }

        // The trailer: a field count of -1.
        if (used + 2 > _buffer.Length)
        {
            stream.Write(_buffer, 0, used);
            used = 0;
        }

        BinaryPrimitives.WriteInt16BigEndian(_buffer.AsSpan(used), -1);
        stream.Write(_buffer, 0, used + 2);
        // Disposing the stream ends the COPY and waits for the server's answer: a refused row throws here.
    }

    private static int EncodeRow(Span<byte> row, EntryRecord entry, in EntryNameIds ids)
    {
        BinaryPrimitives.WriteInt16BigEndian(row, Fields);
        var at = 2;
        Int32(row, ref at, checked((int)ids.Stream));
        Int64(row, ref at, entry.Sequence);
        Int32(row, ref at, checked((int)ids.Tenant));
        Int64(row, ref at, entry.TimestampMicros);
        Int16(row, ref at, entry.Level);
        Int32(row, ref at, checked((int)ids.SourceCloud));
        Int32(row, ref at, checked((int)ids.SourceNode));
        Int32(row, ref at, checked((int)ids.SourceUser));
        Int32(row, ref at, checked((int)ids.EventType));
        Int64(row, ref at, unchecked((long)entry.PermissionMask));
        Int16(row, ref at, entry.Kind);
        BinaryPrimitives.WriteInt32BigEndian(row[at..], entry.SealedEntry.Length);
        entry.SealedEntry.CopyTo(row[(at + 4)..]);
        return at + 4 + entry.SealedEntry.Length;
    }

    private static void Int16(Span<byte> row, ref int at, short value)
    {
        BinaryPrimitives.WriteInt32BigEndian(row[at..], sizeof(short));
        BinaryPrimitives.WriteInt16BigEndian(row[(at + 4)..], value);
        at += 4 + sizeof(short);
    }

    private static void Int32(Span<byte> row, ref int at, int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(row[at..], sizeof(int));
        BinaryPrimitives.WriteInt32BigEndian(row[(at + 4)..], value);
        at += 4 + sizeof(int);
    }

    private static void Int64(Span<byte> row, ref int at, long value)
    {
        BinaryPrimitives.WriteInt32BigEndian(row[at..], sizeof(long));
        BinaryPrimitives.WriteInt64BigEndian(row[(at + 4)..], value);
        at += 4 + sizeof(long);
    }
}
