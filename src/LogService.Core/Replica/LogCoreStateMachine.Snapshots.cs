using LogService.Storage;

namespace LogService.Core.Replica;

/// <summary>
/// Checkpoint snapshots and state transfer. The store's snapshot holds every replica-independent column as is; only
/// each head's sealer state, which this replica keeps under its own at-rest key, is exchanged for the
/// <see cref="PortableSealerState"/>, so correct replicas produce byte-identical snapshots (equal checkpoint digests).
/// </summary>
public sealed partial class LogCoreStateMachine
{
    /// <summary>Portable sealer states by stream, reused while the stream has not moved: wrapping costs two EC operations per replica.</summary>
    private readonly Dictionary<string, (long NextSequence, byte[] Portable)> _portableCache = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public byte[] TakeSnapshot()
    {
        using var buffer = new MemoryStream();
        _store.ExportSnapshot(SnapshotScope.WholeReplica, buffer, ToPortableHead);
        return buffer.ToArray();
    }

    /// <inheritdoc />
    /// <exception cref="ReplicaStateException">The snapshot's secret for this replica does not open; nothing was imported.</exception>
    public void RestoreSnapshot(long instance, ReadOnlyMemory<byte> snapshot)
    {
        ForgetStreams();
        _portableCache.Clear();
        _tenantQuotas.Clear();
        using var source = new MemoryStream(snapshot.ToArray(), writable: false);
        _store.ImportSnapshot(source, FromPortableHead);
    }

    private StreamHead ToPortableHead(StreamHead head)
    {
        if (_portableCache.TryGetValue(head.StreamId, out var cached) && cached.NextSequence == head.LastSequence + 1)
        {
            return head with { SealerState = cached.Portable };
        }

        using var state = StreamState.OpenSealerState(head, _identity.AtRestKey);
        var portable = PortableSealerState.Encode(state, _keys);
        _portableCache[head.StreamId] = (state.NextSequence, portable);
        return head with { SealerState = portable };
    }

    private StreamHead FromPortableHead(StreamHead head)
    {
        using var state = PortableSealerState.Open(head.StreamId, head.SealerState, _identity);
        return head with { SealerState = StreamState.ProtectSealerState(state, _identity.AtRestKey) };
    }
}
