using System.Security.Cryptography;
using System.Text;

namespace LogService.Storage.Snapshots;

/// <summary>
/// The snapshot byte format, the same for both engines:
/// magic "LSSNAP" + version byte 1; a scope record; then tagged records; an end tag; the SHA-256 of every byte
/// before the digest. Integers are little-endian, strings UTF-8 with a 7-bit-encoded length, byte arrays likewise.
/// </summary>
internal static class SnapshotFormat
{
    public static ReadOnlySpan<byte> Magic => "LSSNAP\u0001"u8;

    /// <summary>The largest byte array a record may hold; larger means the snapshot is damaged.</summary>
    public const int MaxBlobBytes = 64 * 1024 * 1024;
}

/// <summary>Record tags in a snapshot.</summary>
internal enum SnapshotTag : byte
{
    Scope = 1,
    AppliedInstance = 2,
    Head = 3,
    CertifiedHead = 4,
    Tombstone = 5,
    Entry = 6,
    End = 0xFF,
}

/// <summary>Writes snapshot records and hashes everything it writes.</summary>
internal sealed class SnapshotWriter : IDisposable
{
    private readonly Stream _destination;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly MemoryStream _buffer = new();
    private readonly BinaryWriter _writer;

    public SnapshotWriter(Stream destination)
    {
        _destination = destination;
        _writer = new BinaryWriter(_buffer, Encoding.UTF8, leaveOpen: true);
        _writer.Write(SnapshotFormat.Magic);
    }

    public void Scope(SnapshotScope scope)
    {
        Tag(SnapshotTag.Scope);
        _writer.Write(scope.StreamId ?? "");
        _writer.Write(scope.FromSequence);
        _writer.Write(scope.ToSequence);
    }

    public void AppliedInstance(long instance)
    {
        Tag(SnapshotTag.AppliedInstance);
        _writer.Write(instance);
    }

    public void Head(StreamHead head)
    {
        Tag(SnapshotTag.Head);
        _writer.Write(head.StreamId);
        _writer.Write(head.Tenant);
        _writer.Write(head.LastSequence);
        Blob(head.YHead);
        Blob(head.MerkleState);
        Blob(head.SealerState);
        OptionalLong(head.Retention.MaxAgeMicros);
        OptionalLong(head.Retention.MaxCount);
    }

    public void CertifiedHead(CertifiedHead head)
    {
        Tag(SnapshotTag.CertifiedHead);
        _writer.Write(head.StreamId);
        _writer.Write(head.Sequence);
        Blob(head.YHead);
        Blob(head.MerkleRoot);
        _writer.Write(head.Instance);
        Blob(head.Signatures);
    }

    public void Tombstone(RetentionTombstone tombstone)
    {
        Tag(SnapshotTag.Tombstone);
        _writer.Write(tombstone.StreamId);
        _writer.Write(tombstone.FirstSequence);
        _writer.Write(tombstone.LastSequence);
        _writer.Write(tombstone.RemovedCount);
        Blob(tombstone.YHeadAtCut);
        Blob(tombstone.MerkleRootAtCut);
        _writer.Write(tombstone.LastRemovedTimestampMicros);
        _writer.Write(tombstone.AppliedAtMicros);
        _writer.Write(tombstone.Policy);
    }

    public void Entry(EntryRecord entry)
    {
        Tag(SnapshotTag.Entry);
        _writer.Write(entry.Tenant);
        _writer.Write(entry.StreamId);
        _writer.Write(entry.Sequence);
        _writer.Write(entry.TimestampMicros);
        _writer.Write(entry.Level);
        _writer.Write(entry.SourceCloud);
        _writer.Write(entry.SourceNode);
        _writer.Write(entry.SourceUser);
        _writer.Write(entry.EventType);
        _writer.Write(entry.PermissionMask);
        _writer.Write(entry.Kind);
        Blob(entry.SealedEntry);
        if (_buffer.Length >= 1 << 16)
        {
            Flush();
        }
    }

    /// <summary>Writes the end tag and the digest.</summary>
    public void Finish()
    {
        Tag(SnapshotTag.End);
        Flush();
        _destination.Write(_hash.GetHashAndReset());
        _destination.Flush();
    }

    public void Dispose()
    {
        _writer.Dispose();
        _buffer.Dispose();
        _hash.Dispose();
    }

    private void Tag(SnapshotTag tag) => _writer.Write((byte)tag);

    private void Blob(byte[] bytes)
    {
        _writer.Write7BitEncodedInt(bytes.Length);
        _writer.Write(bytes);
    }

    private void OptionalLong(long? value)
    {
        _writer.Write(value.HasValue);
        _writer.Write(value ?? 0);
    }

    private void Flush()
    {
        _writer.Flush();
        var bytes = _buffer.GetBuffer().AsSpan(0, (int)_buffer.Length);
        _hash.AppendData(bytes);
        _destination.Write(bytes);
        _buffer.SetLength(0);
    }
}
