using System.Security.Cryptography;
using System.Text;
using LogService.Sealing;

namespace LogService.Storage.Tests.Support;

/// <summary>Seals entries of one stream with the real sealer and produces the rows and heads the store keeps.</summary>
internal sealed class TestStream : IDisposable
{
    private readonly StreamSealer _sealer;

    public TestStream(string tenant, string name)
    {
        Tenant = tenant;
        StreamId = $"{tenant}/{name}";
        _sealer = StreamSealer.Create(StreamId, SHA256.HashData(Encoding.UTF8.GetBytes("secret:" + StreamId)));
    }

    public string Tenant { get; }

    public string StreamId { get; }

    /// <summary>Seals the stream's open entry (sequence 0).</summary>
    public EntryRecord Open(long timestampMicros) =>
        ToRecord(_sealer.SealOpen(new EntryMetadata(timestampMicros, 2, Tenant, "cloud-a", "node-0", "system", "open", PermissionMasks.Everyone)));

    /// <summary>Seals a data entry with a deterministic body.</summary>
    public EntryRecord Data(
        long timestampMicros,
        byte level = 2,
        string node = "node-1",
        string cloud = "cloud-a",
        string user = "svc",
        string eventType = "request",
        ulong mask = 1,
        int bodyBytes = 256)
    {
        var body = new byte[bodyBytes];
        new Random(HashCode.Combine(StreamId, _sealer.NextSequence)).NextBytes(body);
        return ToRecord(_sealer.SealData(new EntryMetadata(timestampMicros, level, Tenant, cloud, node, user, eventType, mask), body));
    }

    /// <summary>The head after the last sealed entry.</summary>
    public StreamHead Head(RetentionPolicy? retention = null) => new(
        StreamId,
        Tenant,
        _sealer.NextSequence - 1,
        _sealer.Head.ToArray(),
        BitConverter.GetBytes(_sealer.NextSequence),
        _sealer.ExportState().Encode(),
        retention ?? RetentionPolicy.KeepAll);

    public void Dispose() => _sealer.Dispose();

    /// <summary>The store row for a sealed entry: its clear header and its canonical bytes.</summary>
    public static EntryRecord ToRecord(SealedEntry sealedEntry)
    {
        var header = sealedEntry.Header;
        return new EntryRecord(
            header.Tenant,
            header.StreamId,
            header.Sequence,
            header.ConsensusTimestamp,
            header.Level,
            header.SourceCloud,
            header.SourceNode,
            header.SourceUser,
            header.EventType,
            header.PermissionMask,
            (byte)header.Kind,
            sealedEntry.Encoded.ToArray());
    }
}
