using System.Security.Cryptography;
using System.Text;

namespace LogService.Storage.Snapshots;

/// <summary>Reads snapshot records, hashing what it reads; any format error is an <see cref="InvalidDataException"/>.</summary>
internal sealed class SnapshotReader : IDisposable
{
    private readonly HashingReadStream _source;
    private readonly BinaryReader _reader;

    public SnapshotReader(Stream source)
    {
        _source = new HashingReadStream(source);
        _reader = new BinaryReader(_source, Encoding.UTF8, leaveOpen: true);
        Span<byte> magic = stackalloc byte[SnapshotFormat.Magic.Length];
        Require(_reader.Read(magic) == magic.Length && magic.SequenceEqual(SnapshotFormat.Magic), "it does not start with the snapshot magic");
    }

    public SnapshotTag NextTag()
    {
        var tag = (SnapshotTag)_reader.ReadByte();
        Require(Enum.IsDefined(tag), $"unknown record tag {(byte)tag}");
        return tag;
    }

    public SnapshotScope Scope()
    {
        var stream = _reader.ReadString();
        var from = _reader.ReadInt64();
        var to = _reader.ReadInt64();
        if (stream.Length == 0)
        {
            return to == 0 ? SnapshotScope.Summary : SnapshotScope.WholeReplica;
        }

        Require(from <= to, $"its range {from}..{to} is empty");
        return SnapshotScope.StreamRange(stream, from, to);
    }

    public long AppliedInstance() => _reader.ReadInt64();

    public StreamHead Head() => new(
        _reader.ReadString(), _reader.ReadString(), _reader.ReadInt64(), Blob(), Blob(), Blob(),
        new RetentionPolicy(OptionalLong(), OptionalLong()));

    public CertifiedHead CertifiedHead() => new(
        _reader.ReadString(), _reader.ReadInt64(), Blob(), Blob(), _reader.ReadInt64(), Blob());

    public RetentionTombstone Tombstone() => new(
        _reader.ReadString(), _reader.ReadInt64(), _reader.ReadInt64(), _reader.ReadInt64(), Blob(), Blob(),
        _reader.ReadInt64(), _reader.ReadInt64(), _reader.ReadString());

    public EntryRecord Entry() => new(
        _reader.ReadString(), _reader.ReadString(), _reader.ReadInt64(), _reader.ReadInt64(), _reader.ReadByte(),
        _reader.ReadString(), _reader.ReadString(), _reader.ReadString(), _reader.ReadString(),
        _reader.ReadUInt64(), _reader.ReadByte(), Blob());

    /// <summary>After the end tag: checks the digest against everything read so far.</summary>
    public void VerifyDigest()
    {
        var expected = _source.CurrentHash();
        var stored = _reader.ReadBytes(expected.Length);
        Require(stored.Length == expected.Length, "it is truncated before its digest");
        Require(CryptographicOperations.FixedTimeEquals(stored, expected), "its SHA-256 digest does not match its content");
    }

    public void Dispose()
    {
        _reader.Dispose();
        _source.Dispose();
    }

    private static void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw new InvalidDataException($"The snapshot is invalid: {problem}.");
        }
    }

    private byte[] Blob()
    {
        var length = _reader.Read7BitEncodedInt();
        Require(length is >= 0 and <= SnapshotFormat.MaxBlobBytes, $"a field claims {length} bytes");
        var bytes = _reader.ReadBytes(length);
        Require(bytes.Length == length, "it is truncated");
        return bytes;
    }

    private long? OptionalLong()
    {
        var present = _reader.ReadBoolean();
        var value = _reader.ReadInt64();
        return present ? value : null;
    }

    /// <summary>Passes reads through and hashes the bytes consumed.</summary>
    private sealed class HashingReadStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public byte[] CurrentHash() => _hash.GetCurrentHash();

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer);
            _hash.AppendData(buffer[..read]);
            return read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
