using LogService.Sealing;
using LogService.Storage;

namespace LogService.Core.Replica;

/// <summary>What one batch accumulates before its single storage transaction.</summary>
internal sealed class BatchContext(long instance, long timestampMicros)
{
    private readonly HashSet<StreamState> _touchedSet = [];

    public long Instance { get; } = instance;

    public long TimestampMicros { get; } = timestampMicros;

    /// <summary>The position of the command being executed within the batch.</summary>
    public int CommandIndex { get; set; }

    public List<EntryRecord> Entries { get; } = [];

    public List<StreamState> Touched { get; } = [];

    /// <summary>True while every command of the batch is a protocol-capture append.</summary>
    public bool CaptureOnly { get; set; } = true;

    public void Add(StreamState stream, SealedEntry entry)
    {
        var header = entry.Header;
        Add(stream, new EntryMetadata(header.ConsensusTimestamp, header.Level, header.Tenant, header.SourceCloud, header.SourceNode, header.SourceUser, header.EventType, header.PermissionMask), entry.Encoded.ToArray(), (byte)header.Kind);
    }

    public void Add(StreamState stream, in EntryMetadata metadata, byte[] sealedBytes, byte kind = (byte)EntryKind.Data)
    {
        stream.Merkle.Append(sealedBytes);
        Record(stream, metadata, stream.Sealer.NextSequence - 1, sealedBytes, kind);
    }

    /// <summary>Adds data entries just sealed into <paramref name="stream"/>, the last of them being its newest.</summary>
    public void AddRange(StreamState stream, IReadOnlyList<EntryMetadata> metadata, IReadOnlyList<byte[]> sealedEntries)
    {
        stream.Merkle.AppendLeaves(sealedEntries);
        var first = stream.Sealer.NextSequence - sealedEntries.Count;
        for (var i = 0; i < sealedEntries.Count; i++)
        {
            Record(stream, metadata[i], first + i, sealedEntries[i], (byte)EntryKind.Data);
        }
    }

    private void Record(StreamState stream, in EntryMetadata metadata, long sequence, byte[] sealedBytes, byte kind)
    {
        stream.LastChangedInstance = Instance;
        Entries.Add(new EntryRecord(
            metadata.Tenant,
            stream.StreamId,
            sequence,
            metadata.ConsensusTimestamp,
            metadata.Level,
            metadata.SourceCloud,
            metadata.SourceNode,
            metadata.SourceUser,
            metadata.EventType,
            metadata.PermissionMask,
            kind,
            sealedBytes));
        if (_touchedSet.Add(stream))
        {
            Touched.Add(stream);
        }
    }
}
