using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using LogService.Sealing.Crypto;
using LogService.Sealing.Format;

namespace LogService.Sealing;

/// <summary>
/// Seals one stream's entries in order (DESIGN §6): per entry j it derives K_j = H("encrypt" ‖ W_j ‖ A_j),
/// encrypts the body, links Y_j = H(Y_{j-1} ‖ header_j ‖ C_j ‖ W_j), authenticates Z_j = HMAC_{A_j}(Y_j) and
/// evolves A_{j+1} = H("evolve" ‖ A_j), overwriting A_j. Pure: no I/O, no clock. Not thread-safe; one sealer per stream.
/// </summary>
public sealed partial class StreamSealer : IDisposable
{
    private readonly byte[] _streamId;
    private readonly byte[] _secret = GC.AllocateUninitializedArray<byte>(EntryFormat.KeySize, pinned: true);
    private readonly byte[] _head = new byte[EntryFormat.HashSize];
    private readonly ChainHasher _hasher = new();
    private bool _disposed;

    private StreamSealer(string streamId, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> head, long nextSequence, bool isClosed)
    {
        StreamId = streamId;
        _streamId = Encoding.UTF8.GetBytes(streamId);
        StreamGenesis.ValidateStreamId(_streamId.Length);
        if (secret.Length != EntryFormat.KeySize)
        {
            throw new ArgumentException($"the secret must be {EntryFormat.KeySize} bytes", nameof(secret));
        }

        secret.CopyTo(_secret);
        head.CopyTo(_head);
        NextSequence = nextSequence;
        IsClosed = isClosed;
    }

    /// <summary>The stream being sealed.</summary>
    public string StreamId { get; }

    /// <summary>The sequence j the next entry will get.</summary>
    public long NextSequence { get; private set; }

    /// <summary>The head: Y of the last sealed entry, or the genesis link before the first.</summary>
    public ReadOnlySpan<byte> Head => _head;

    /// <summary>True once the close entry is sealed; nothing more can be sealed.</summary>
    public bool IsClosed { get; private set; }

    /// <summary>Starts a new stream at j = 0 with the genesis link as head and secret A_0 (copied; the caller should erase its copy).</summary>
    public static StreamSealer Create(string streamId, ReadOnlySpan<byte> initialSecret)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        return new StreamSealer(streamId, initialSecret, StreamGenesis.ComputeGenesisLink(streamId), 0, isClosed: false);
    }

    /// <summary>Continues a stream from a persisted state.</summary>
    public static StreamSealer Resume(SealerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new StreamSealer(state.StreamId, state.CurrentSecret, state.Head, state.NextSequence, state.IsClosed);
    }

    /// <summary>The state to persist (encrypted) so a restart continues the chain.</summary>
    public SealerState ExportState() => new(StreamId, NextSequence, _secret, _head, IsClosed);

    /// <summary>Encoded length of a data entry with these fields and body length, for sizing buffers.</summary>
    public int GetEncodedLength(in EntryMetadata metadata, int bodyLength) =>
        EntryWriter.EntryLength(EntryWriter.HeaderLength(_streamId.Length, metadata), bodyLength);

    /// <summary>
    /// Seals a data entry into <paramref name="destination"/> without allocating. Returns false, sealing
    /// nothing, when the destination is too small. The body must not overlap the destination.
    /// </summary>
    public bool TrySealData(in EntryMetadata metadata, ReadOnlySpan<byte> body, Span<byte> destination, out int bytesWritten)
    {
        EnsureCanSeal(EntryKind.Data, body.Length);
        var length = GetEncodedLength(metadata, body.Length);
        if (destination.Length < length)
        {
            bytesWritten = 0;
            return false;
        }

        bytesWritten = SealInto(EntryKind.Data, metadata, metadata.PermissionMask, body, destination);
        return true;
    }

    /// <summary>Seals a data entry and returns it decoded (allocates; the hot path is <see cref="TrySealData"/>).</summary>
    public SealedEntry SealData(in EntryMetadata metadata, ReadOnlySpan<byte> body)
    {
        EnsureCanSeal(EntryKind.Data, body.Length);
        var buffer = new byte[GetEncodedLength(metadata, body.Length)];
        SealInto(EntryKind.Data, metadata, metadata.PermissionMask, body, buffer);
        return SealedEntry.Decode(buffer);
    }

    /// <summary>Seals the open entry; it must be the stream's first entry.</summary>
    public SealedEntry SealOpen(in EntryMetadata metadata)
    {
        Span<byte> body = stackalloc byte[ControlBody.OpenLength];
        ControlBody.WriteOpen(body);
        return SealControl(EntryKind.Open, metadata, body);
    }

    /// <summary>Seals a checkpoint recording the count of entries so far and the current head.</summary>
    public SealedEntry SealCheckpoint(in EntryMetadata metadata)
    {
        Span<byte> body = stackalloc byte[ControlBody.CheckpointLength];
        ControlBody.WriteCheckpoint(body, NextSequence, _head);
        return SealControl(EntryKind.Seal, metadata, body);
    }

    /// <summary>Seals the close entry recording the final count and head; the stream accepts nothing after it.</summary>
    public SealedEntry SealClose(in EntryMetadata metadata)
    {
        Span<byte> body = stackalloc byte[ControlBody.CheckpointLength];
        ControlBody.WriteCheckpoint(body, NextSequence, _head);
        var entry = SealControl(EntryKind.Close, metadata, body);
        IsClosed = true;
        return entry;
    }

    /// <summary>
    /// Seals a rotation entry committing to <paramref name="nextSecret"/>; the entry after it is sealed under
    /// that new initial secret A'_0 instead of the evolved one, so whoever held the old chain cannot follow.
    /// </summary>
    public SealedEntry SealRotation(in EntryMetadata metadata, ReadOnlySpan<byte> nextSecret)
    {
        if (nextSecret.Length != EntryFormat.KeySize)
        {
            throw new ArgumentException($"the next secret must be {EntryFormat.KeySize} bytes", nameof(nextSecret));
        }

        Span<byte> body = stackalloc byte[ControlBody.RotationLength];
        ControlBody.WriteCheckpoint(body, NextSequence, _head);
        ControlBody.WriteRotationCommitment(nextSecret, body[ControlBody.CheckpointLength..]);
        var entry = SealControl(EntryKind.Rotation, metadata, body);
        nextSecret.CopyTo(_secret);
        return entry;
    }

    /// <summary>Zeroes the current secret.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        CryptographicOperations.ZeroMemory(_secret);
    }

    private SealedEntry SealControl(EntryKind kind, in EntryMetadata metadata, ReadOnlySpan<byte> body)
    {
        EnsureCanSeal(kind, body.Length);
        var buffer = new byte[EntryWriter.EntryLength(EntryWriter.HeaderLength(_streamId.Length, metadata), body.Length)];
        SealInto(kind, metadata, PermissionMasks.Everyone, body, buffer);
        return SealedEntry.Decode(buffer);
    }

    /// <summary>Seals one entry at <see cref="NextSequence"/> into <paramref name="destination"/> and advances the chain.</summary>
    private int SealInto(EntryKind kind, in EntryMetadata metadata, ulong mask, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        Span<uint> macPads = stackalloc uint[MacPadWords];
        var length = SealAllButMac(kind, metadata, mask, body, destination, macPads);
        var entry = destination[..length];
        _hasher.ComputeMacFromPads(macPads, entry.Slice(length - (2 * EntryFormat.HashSize), EntryFormat.HashSize), entry[^EntryFormat.HashSize..]);
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(macPads));
        return length;
    }

    /// <summary>
    /// Seals one entry at <see cref="NextSequence"/> into <paramref name="destination"/> up to its MAC Z_j, and advances
    /// the chain: Z_j is then computed from the HMAC key states written to <paramref name="macPads"/>, which the caller
    /// zeroes. Returns the entry's length, MAC included.
    /// </summary>
    private int SealAllButMac(EntryKind kind, in EntryMetadata metadata, ulong mask, ReadOnlySpan<byte> body, Span<byte> destination, Span<uint> macPads)
    {
        var headerLength = EntryWriter.WriteHeader(destination, kind, NextSequence, _streamId, metadata, mask);
        var header = destination[..headerLength];
        BinaryPrimitives.WriteUInt32BigEndian(destination[headerLength..], (uint)body.Length);
        var bodyOffset = headerLength + 4;
        var sealedBody = destination.Slice(bodyOffset, body.Length + EntryFormat.TagSize);
        var link = destination.Slice(bodyOffset + sealedBody.Length, EntryFormat.HashSize);

        Span<byte> key = stackalloc byte[EntryFormat.KeySize];

        // From here on _secret holds A_{j+1}: A_j survives only inside the MAC's key states.
        // A rotation entry then has its successor secret installed over it by SealRotation.
        _hasher.PrepareEntry(mask, _secret, key, macPads);
        EntryCipher.Encrypt(key, NextSequence, body, header, sealedBody[..body.Length], sealedBody[body.Length..]);
        _hasher.ComputeLink(_head, header, sealedBody, mask, link);
        link.CopyTo(_head);
        CryptographicOperations.ZeroMemory(key);
        NextSequence++;
        return bodyOffset + sealedBody.Length + (2 * EntryFormat.HashSize);
    }

    private void EnsureCanSeal(EntryKind kind, int bodyLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsClosed)
        {
            throw new InvalidOperationException($"stream {StreamId} is closed");
        }

        if ((kind == EntryKind.Open) != (NextSequence == 0))
        {
            throw new InvalidOperationException(kind == EntryKind.Open
                ? $"stream {StreamId} is already open"
                : $"stream {StreamId} must begin with its open entry");
        }

        if (bodyLength > EntryFormat.MaxBodyBytes)
        {
            throw new ArgumentException($"a body may be at most {EntryFormat.MaxBodyBytes} bytes");
        }
    }
}
