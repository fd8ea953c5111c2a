using System.Buffers;
using LogService.Core.Entries;
using LogService.Core.Policies;
using LogService.Core.Replica;
using LogService.Storage;

namespace LogService.Core.Commands;

/// <summary>
/// The replicated wire form of <see cref="LogCommand"/>: a version byte, a type byte, then the fields in the canonical
/// encoding of <see cref="EntryCodec"/> (LEB128 lengths, UTF-8 strings, big-endian integers). Decoding accepts exactly
/// one encoding per command, so replicas that decode the same bytes can never disagree on what was decided.
/// </summary>
public static class LogCommandCodec
{
    private const byte Version = 1;

    private enum CommandType : byte
    {
        CreateStream = 1,
        AppendEntries = 2,
        CloseStream = 3,
        CertifyHeads = 4,
        RecordCertificate = 5,
    }

    /// <summary>Encodes a command.</summary>
    public static byte[] Encode(LogCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        // Sized for the drafts up front: growing by doubling to a batch's size would leave a trail of large arrays.
        var buffer = new ArrayBufferWriter<byte>(256 + (command is AppendEntriesCommand appending ? DraftBytes(appending.Drafts) : 0));
        var writer = new CanonicalWriter(buffer);
        writer.WriteByte(Version);
        switch (command)
        {
            case CreateStreamCommand create:
                writer.WriteByte((byte)CommandType.CreateStream);
                writer.WriteString(create.Tenant);
                writer.WriteString(create.Name);
                WriteOptional(ref writer, create.Retention.MaxAgeMicros);
                WriteOptional(ref writer, create.Retention.MaxCount);
                WriteByteStrings(ref writer, [.. create.SecretEnvelopes]);
                break;
            case AppendEntriesCommand append:
                writer.WriteByte((byte)CommandType.AppendEntries);
                writer.WriteString(append.StreamId);
                writer.WriteString(append.Writer.Tenant);
                writer.WriteString(append.Writer.Cloud);
                writer.WriteString(append.Writer.Node);
                writer.WriteString(append.Writer.User);
                writer.WriteString(append.BatchId);
                writer.WriteVarUInt(append.PermissionMask);
                WriteByteStrings(ref writer, append.Drafts);
                WriteQuota(ref writer, append.Quota);
                break;
            case CloseStreamCommand close:
                writer.WriteByte((byte)CommandType.CloseStream);
                writer.WriteString(close.StreamId);
                break;
            case CertifyHeadsCommand certify:
                writer.WriteByte((byte)CommandType.CertifyHeads);
                writer.WriteVarUInt((ulong)certify.StreamIds.Count);
                foreach (var streamId in certify.StreamIds)
                {
                    writer.WriteString(streamId);
                }

                break;
            case RecordCertificateCommand record:
                writer.WriteByte((byte)CommandType.RecordCertificate);
                record.Certificate.Write(writer);
                break;
            default:
                throw new ArgumentException($"unknown command type {command.GetType().Name}", nameof(command));
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a command. An append's drafts are slices of <paramref name="encoded"/>, not copies.</summary>
    /// <exception cref="EntryEncodingException">The bytes are not exactly one canonical command.</exception>
    public static LogCommand Decode(ReadOnlyMemory<byte> encoded)
    {
        var reader = new CanonicalReader(encoded.Span);
        if (reader.ReadByte() != Version)
        {
            throw CanonicalReader.Malformed("unsupported command version");
        }

        LogCommand command = (CommandType)reader.ReadByte() switch
        {
            CommandType.CreateStream => ReadCreate(ref reader),
            CommandType.AppendEntries => ReadAppend(ref reader, encoded),
            CommandType.CloseStream => new CloseStreamCommand(reader.ReadString()),
            CommandType.CertifyHeads => ReadCertify(ref reader),
            CommandType.RecordCertificate => new RecordCertificateCommand(HeadCertificate.Read(ref reader)),
            var other => throw CanonicalReader.Malformed($"unknown command type {(byte)other}"),
        };
        return reader.AtEnd ? command : throw CanonicalReader.Malformed("trailing bytes after the command");
    }

    private static CreateStreamCommand ReadCreate(ref CanonicalReader reader)
    {
        var tenant = reader.ReadString();
        var name = reader.ReadString();
        var retention = new RetentionPolicy(ReadOptional(ref reader), ReadOptional(ref reader));
        return new CreateStreamCommand(tenant, name, retention, ReadByteStrings(ref reader));
    }

    private static AppendEntriesCommand ReadAppend(ref CanonicalReader reader, ReadOnlyMemory<byte> encoded)
    {
        var streamId = reader.ReadString();
        var writer = new WriterIdentity(reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadString());
        var batchId = reader.ReadString();
        var mask = reader.ReadVarUInt();
        return new AppendEntriesCommand(streamId, writer, batchId, mask, ReadDrafts(ref reader, encoded)) { Quota = ReadQuota(ref reader) };
    }

    private static CertifyHeadsCommand ReadCertify(ref CanonicalReader reader)
    {
        var streamIds = new string[reader.ReadCount()];
        for (var i = 0; i < streamIds.Length; i++)
        {
            streamIds[i] = reader.ReadString();
        }

        return new CertifyHeadsCommand(streamIds);
    }

    /// <summary>The drafts' bytes with their length prefixes (at most 5 bytes each).</summary>
    private static int DraftBytes(IReadOnlyList<ReadOnlyMemory<byte>> drafts)
    {
        var bytes = 10;
        foreach (var draft in drafts)
        {
            bytes += draft.Length + 5;
        }

        return bytes;
    }

    private static void WriteByteStrings(ref CanonicalWriter writer, IReadOnlyList<ReadOnlyMemory<byte>> items)
    {
        writer.WriteVarUInt((ulong)items.Count);
        foreach (var item in items)
        {
            writer.WriteBytes(item.Span);
        }
    }

    private static ReadOnlyMemory<byte>[] ReadDrafts(ref CanonicalReader reader, ReadOnlyMemory<byte> encoded)
    {
        var drafts = new ReadOnlyMemory<byte>[reader.ReadCount()];
        for (var i = 0; i < drafts.Length; i++)
        {
            drafts[i] = reader.ReadBytes(encoded);
        }

        return drafts;
    }

    private static byte[][] ReadByteStrings(ref CanonicalReader reader)
    {
        var items = new byte[reader.ReadCount()][];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = reader.ReadBytes();
        }

        return items;
    }

    private static void WriteQuota(ref CanonicalWriter writer, QuotaLimits? quota)
    {
        writer.WriteByte(quota is null ? (byte)0 : (byte)1);
        if (quota is not null)
        {
            WriteOptional(ref writer, quota.EntriesPerSecond);
            WriteOptional(ref writer, quota.Burst);
            WriteOptional(ref writer, quota.BytesPerDay);
            writer.WriteString(quota.Source.Rule);
            writer.WriteString(quota.Source.File);
            writer.WriteVarUInt((ulong)quota.Source.Line);
        }
    }

    private static QuotaLimits? ReadQuota(ref CanonicalReader reader)
    {
        switch (reader.ReadByte())
        {
            case 0:
                return null;
            case 1:
                var (rate, burst, perDay) = (ReadOptional(ref reader), ReadOptional(ref reader), ReadOptional(ref reader));
                if (rate < 0 || burst < 0 || perDay < 0)
                {
                    throw CanonicalReader.Malformed("a quota limit is negative");
                }

                var (rule, file, line) = (reader.ReadString(), reader.ReadString(), reader.ReadVarUInt());
                return new QuotaLimits(rate, burst, perDay, new PolicyRuleSource(rule, file, line > int.MaxValue ? throw CanonicalReader.Malformed("line out of range") : (int)line));
            default:
                throw CanonicalReader.Malformed("quota flag is neither 0 nor 1");
        }
    }

    private static void WriteOptional(ref CanonicalWriter writer, long? value)
    {
        writer.WriteByte(value is null ? (byte)0 : (byte)1);
        if (value is { } v)
        {
            writer.WriteInt64(v);
        }
    }

    private static long? ReadOptional(ref CanonicalReader reader) => reader.ReadByte() switch
    {
        0 => null,
        1 => reader.ReadInt64(),
        _ => throw CanonicalReader.Malformed("optional flag is neither 0 nor 1"),
    };
}
