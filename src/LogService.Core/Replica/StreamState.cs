using System.Security.Cryptography;
using System.Text;
using LogService.Sealing;
using LogService.Sealing.Merkle;
using LogService.Storage;

namespace LogService.Core.Replica;

/// <summary>
/// One stream as the Log Core holds it between batches: its sealer (the live secret A_j), its Merkle accumulator and
/// the window of recently appended batches used to drop retries. It round-trips through <see cref="StreamHead"/>:
/// the deterministic part (Merkle state, dedup window) in the clear, the sealer state encrypted under the replica's
/// at-rest key, so old or current secrets never reach disk in the clear.
/// </summary>
internal sealed class StreamState : IDisposable
{
    /// <summary>How many recent batches per stream are remembered for deduplication.</summary>
    public const int DedupWindow = 1024;

    private const byte ChainStateVersion = 3;
    private readonly LinkedList<(string Key, long First, long Last)> _recentOrder = new();
    private readonly Dictionary<string, (long First, long Last)> _recent = new(StringComparer.Ordinal);

    // The window's encoded size, kept as batches come and go so writing the chain state need not measure every key.
    private int _windowBytes;

    private StreamState(string streamId, string tenant, StreamSealer sealer, MerkleAccumulator merkle, RetentionPolicy retention)
    {
        StreamId = streamId;
        Tenant = tenant;
        Sealer = sealer;
        Merkle = merkle;
        Retention = retention;
    }

    public string StreamId { get; }

    public string Tenant { get; }

    public StreamSealer Sealer { get; }

    public MerkleAccumulator Merkle { get; }

    public RetentionPolicy Retention { get; }

    /// <summary>The consensus instance that last appended to the stream: the instance its head statements name.</summary>
    public long LastChangedInstance { get; set; }

    /// <summary>The tenant's quota counters as of this stream's last write, if it was counted: the tenant's current
    /// counters are the copy with the latest stamp among its streams (see <see cref="TenantQuotaCopy"/>).</summary>
    public TenantQuotaCopy? TenantQuota { get; set; }

    public static StreamState Create(string streamId, string tenant, ReadOnlySpan<byte> initialSecret, RetentionPolicy retention) =>
        new(streamId, tenant, StreamSealer.Create(streamId, initialSecret), new MerkleAccumulator(), retention);

    /// <summary>Rebuilds the stream from its stored head, decrypting the sealer state with the replica's at-rest key.</summary>
    /// <exception cref="ReplicaStateException">The sealer state was not written by this replica or was altered.</exception>
    public static StreamState Load(StreamHead head, ReadOnlySpan<byte> atRestKey)
    {
        using var sealerState = OpenSealerState(head, atRestKey);
        var chain = ReadChainState(head.MerkleState);
        var state = new StreamState(head.StreamId, head.Tenant, StreamSealer.Resume(sealerState), MerkleAccumulator.Deserialize(chain.Merkle), head.Retention)
        {
            LastChangedInstance = chain.Instance,
            TenantQuota = chain.Quota,
        };
        foreach (var (key, first, last) in chain.Window)
        {
            state.Remember(key, first, last);
        }

        return state;
    }

    /// <summary>Decrypts a stored head's sealer state (the live secret A_j) with the replica's at-rest key.</summary>
    /// <exception cref="ReplicaStateException">The sealer state was not written by this replica or was altered.</exception>
    public static SealerState OpenSealerState(StreamHead head, ReadOnlySpan<byte> atRestKey)
    {
        var plain = new byte[Math.Max(0, head.SealerState.Length - NonceSize - TagSize)];
        try
        {
            if (head.SealerState.Length < NonceSize + TagSize)
            {
                throw new CryptographicException("too short");
            }

            using var aes = new AesGcm(atRestKey, TagSize);
            aes.Decrypt(head.SealerState.AsSpan(0, NonceSize), head.SealerState.AsSpan(NonceSize, plain.Length), head.SealerState.AsSpan(NonceSize + plain.Length), plain, Encoding.UTF8.GetBytes(head.StreamId));
            return SealerState.Decode(plain);
        }
        catch (CryptographicException ex)
        {
            throw new ReplicaStateException($"stream {head.StreamId}: its sealer state cannot be opened with this replica's at-rest key (written by another replica, or altered)", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>Encrypts a sealer state under the replica's at-rest key (random nonce, stream id as associated data).</summary>
    public static byte[] ProtectSealerState(SealerState sealerState, ReadOnlySpan<byte> atRestKey)
    {
        var plain = sealerState.Encode();
        var protectedState = new byte[NonceSize + plain.Length + TagSize];
        RandomNumberGenerator.Fill(protectedState.AsSpan(0, NonceSize));
        using (var aes = new AesGcm(atRestKey, TagSize))
        {
            aes.Encrypt(protectedState.AsSpan(0, NonceSize), plain, protectedState.AsSpan(NonceSize, plain.Length), protectedState.AsSpan(NonceSize + plain.Length), Encoding.UTF8.GetBytes(sealerState.StreamId));
        }

        CryptographicOperations.ZeroMemory(plain);
        return protectedState;
    }

    /// <summary>The stream's head as it must be stored after this batch.</summary>
    public StreamHead ToHead(ReadOnlySpan<byte> atRestKey)
    {
        using var sealerState = Sealer.ExportState();
        return new StreamHead(StreamId, Tenant, Sealer.NextSequence - 1, Sealer.Head.ToArray(), WriteChainState(), ProtectSealerState(sealerState, atRestKey), Retention);
    }

    /// <summary>The sequences a batch with this key was appended at, if it is still in the window.</summary>
    public bool TryRecall(string batchKey, out long first, out long last)
    {
        var found = _recent.TryGetValue(batchKey, out var range);
        (first, last) = range;
        return found;
    }

    /// <summary>Remembers a batch, forgetting the oldest once the window is full.</summary>
    public void Remember(string batchKey, long first, long last)
    {
        if (!_recent.TryAdd(batchKey, (first, last)))
        {
            return;
        }

        _recentOrder.AddLast((batchKey, first, last));
        _windowBytes += EncodedSize(batchKey);
        if (_recentOrder.Count > DedupWindow)
        {
            var oldest = _recentOrder.First!.Value.Key;
            _recent.Remove(oldest);
            _recentOrder.RemoveFirst();
            _windowBytes -= EncodedSize(oldest);
        }
    }

    public void Dispose() => Sealer.Dispose();

    private const int NonceSize = 12;
    private const int TagSize = 16;

    private byte[] WriteChainState()
    {
        // Written into an array of exactly its size: the window makes this tens of kilobytes, rewritten with every
        // batch, so a growing buffer and a final copy would triple what each batch allocates for it.
        var merkle = Merkle.Serialize();
        var size = 1 + 4 + merkle.Length + 8 + TenantQuotaCopy.SizeOf(TenantQuota) + 4 + _windowBytes;

        var chainState = new byte[size];
        using var buffer = new MemoryStream(chainState);
        using var writer = new BinaryWriter(buffer, Encoding.UTF8);
        writer.Write(ChainStateVersion);
        writer.Write(merkle.Length);
        writer.Write(merkle);
        writer.Write(LastChangedInstance);
        TenantQuotaCopy.Write(writer, TenantQuota);
        writer.Write(_recentOrder.Count);
        foreach (var (key, first, last) in _recentOrder)
        {
            writer.Write(key);
            writer.Write(first);
            writer.Write(last);
        }

        writer.Flush();
        return buffer.Position == size ? chainState
            : throw new InvalidOperationException($"stream chain state took {buffer.Position} bytes, not the {size} computed");
    }

    /// <summary>A window entry's bytes in the chain state: the key as <see cref="BinaryWriter.Write(string)"/> writes it
    /// (a 7-bit encoded length, then UTF-8) and its two sequences.</summary>
    private static int EncodedSize(string key)
    {
        var length = Encoding.UTF8.GetByteCount(key);
        var prefix = length < 1 << 7 ? 1 : length < 1 << 14 ? 2 : length < 1 << 21 ? 3 : length < 1 << 28 ? 4 : 5;
        return prefix + length + 16;
    }

    /// <summary>The tenant quota copy kept in a stored head, if any.</summary>
    public static TenantQuotaCopy? QuotaOf(StreamHead head) => ReadChainState(head.MerkleState).Quota;

    /// <summary>The head statement of a stored stream head, read without its secret: what a replica signs for GET .../head.</summary>
    public static CommitStatement StatementOf(StreamHead head)
    {
        var chain = ReadChainState(head.MerkleState);
        return new CommitStatement(head.StreamId, head.LastSequence + 1, head.LastSequence, head.YHead, MerkleAccumulator.Deserialize(chain.Merkle).Root(), chain.Instance);
    }

    private static (byte[] Merkle, long Instance, TenantQuotaCopy? Quota, List<(string Key, long First, long Last)> Window) ReadChainState(byte[] chainState)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(chainState), Encoding.UTF8);
            if (reader.ReadByte() != ChainStateVersion)
            {
                throw new ReplicaStateException("stream chain state has an unknown version");
            }

            var merkle = reader.ReadBytes(reader.ReadInt32());
            var instance = reader.ReadInt64();
            var quota = TenantQuotaCopy.Read(reader);
            var count = reader.ReadInt32();
            var window = new List<(string, long, long)>(Math.Min(count, DedupWindow));
            for (var i = 0; i < count; i++)
            {
                window.Add((reader.ReadString(), reader.ReadInt64(), reader.ReadInt64()));
            }

            return (merkle, instance, quota, window);
        }
        catch (EndOfStreamException ex)
        {
            throw new ReplicaStateException("stream chain state is truncated", ex);
        }
    }
}

/// <summary>The replica's stored state cannot be trusted or used; the replica must stop rather than diverge.</summary>
public sealed class ReplicaStateException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ReplicaStateException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
