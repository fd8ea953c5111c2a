using System.Buffers.Binary;
using System.Text;
using LogService.Sealing;
using LogService.Storage;
using LogService.Storage.Snapshots;

namespace LogService.Core.Replica;

/// <summary>
/// Checkpoint snapshots and state transfer. A checkpoint holds the store's summary (<see cref="SnapshotScope.Summary"/>:
/// heads, each stream's latest certified head, tombstones, the applied instance), which stays small however much is
/// stored yet commits to every entry through the heads' Y and Merkle state. A replica that installs a checkpoint first
/// fetches the entries it lacks as parts, one stream range each (with the certified heads in that range), then imports
/// the summary. Each head's sealer state, which this replica keeps under its own at-rest key, is exchanged for the
/// <see cref="PortableSealerState"/>, so correct replicas produce byte-identical summaries (equal checkpoint digests)
/// and byte-identical parts.
/// </summary>
public sealed partial class LogCoreStateMachine
{
    /// <summary>The most sealed-entry bytes one part carries: well within a replication message, with room to spare.</summary>
    public const long MaxPartBytes = 4 << 20;

    private const byte PartFormat = 1;

    /// <summary>Whether parts were written since the last restore: a transfer given up leaves them beyond their heads.</summary>
    private bool _partsWritten;

    /// <inheritdoc />
    /// <remarks>
    /// The heads are read twice, once to derive the checkpoint's wrapping from every stream's secret and once by the
    /// export: nothing writes between the two, as snapshots are taken where batches execute.
    /// </remarks>
    public byte[] TakeSnapshot()
    {
        var ordered = new List<SealerState>();
        var states = new Dictionary<string, SealerState>(StringComparer.Ordinal);
        try
        {
            foreach (var head in _store.GetHeads().OrderBy(h => h.StreamId, StringComparer.Ordinal))
            {
                var state = StreamState.OpenSealerState(head, _identity.AtRestKey);
                ordered.Add(state);
                states.Add(head.StreamId, state);
            }

            using var wrapping = PortableSealerState.Wrapping.Create(ordered, _keys);
            using var buffer = new MemoryStream();
            _store.ExportSnapshot(SnapshotScope.Summary, buffer, head =>
                states.TryGetValue(head.StreamId, out var state) && state.NextSequence == head.LastSequence + 1
                    ? head with { SealerState = wrapping.Encode(state) }
                    : throw new InvalidOperationException($"stream {head.StreamId} changed while the snapshot was taken"));
            return buffer.ToArray();
        }
        finally
        {
            foreach (var state in ordered)
            {
                state.Dispose();
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Entries left beyond their heads by a transfer that stopped early are discarded first: they are fetched again.
    /// Each stream needs the entries after the later of its local head and its last retention cut.
    /// </remarks>
    public IReadOnlyList<byte[]> MissingParts(long instance, ReadOnlyMemory<byte> snapshot)
    {
        var summary = ReadSummary(snapshot);
        DiscardFetchedParts();
        var parts = new List<byte[]>();
        foreach (var head in summary.Heads)
        {
            var from = FirstMissing(head, summary);
            if (from <= head.LastSequence)
            {
                parts.Add(EncodePart(head.StreamId, from, head.LastSequence));
            }
        }

        return parts;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Null when this replica's stream does not reach the end of the range yet, or retention has cut into its start
    /// (the replica asking then gets it from one that has not cut yet, or from a later checkpoint).
    /// </remarks>
    public byte[]? ReadPart(ReadOnlyMemory<byte> part)
    {
        if (!TryDecodePart(part.Span, out var streamId, out var from, out var to)
            || _store.GetHead(streamId) is not { } head || head.LastSequence < to
            || _store.GetTombstones(streamId).Any(t => t.LastSequence >= from))
        {
            return null;
        }

        using var buffer = new MemoryStream();
        _store.ExportSnapshot(SnapshotScope.StreamRange(streamId, from, to, MaxPartBytes), buffer);
        return buffer.ToArray();
    }

    /// <inheritdoc />
    public byte[]? WritePart(ReadOnlyMemory<byte> part, ReadOnlyMemory<byte> content)
    {
        if (!TryDecodePart(part.Span, out var streamId, out var from, out var to))
        {
            throw new InvalidDataException("the part id is malformed");
        }

        ImportedSnapshot imported;
        _partsWritten = true;
        try
        {
            using var source = new MemoryStream(content.ToArray(), writable: false);
            imported = _store.ImportSnapshot(source);
        }
        catch (LogStoreException invalid) when (invalid.Failure == StoreFailure.InvalidSnapshot)
        {
            throw new InvalidDataException(invalid.Message, invalid);
        }

        // The import checked that the entries follow the stream's last stored one; the range must also be the one asked for.
        if (imported.Scope.StreamId != streamId || imported.FirstSequence != from || imported.LastSequence > to)
        {
            DiscardFetchedParts();
            throw new InvalidDataException($"the part holds {streamId} {imported.FirstSequence}..{imported.LastSequence}, not {from}..{to}");
        }

        return imported.LastSequence < to ? EncodePart(streamId, imported.LastSequence + 1, to) : null;
    }

    /// <inheritdoc />
    /// <exception cref="ReplicaStateException">The store does not hold the entries the summary's heads end with (a
    /// part is missing), or the snapshot's secret for this replica does not open; nothing was imported.</exception>
    public void RestoreSnapshot(long instance, ReadOnlyMemory<byte> snapshot)
    {
        var summary = ReadSummary(snapshot);
        foreach (var head in summary.Heads)
        {
            if (head.LastSequence < FirstRetained(head.StreamId, summary))
            {
                continue;
            }

            var last = _store.ReadRange(head.StreamId, head.LastSequence, head.LastSequence).Entries.FirstOrDefault();
            if (last is null || !SealedEntry.Decode(last.SealedEntry).Link.Span.SequenceEqual(head.YHead))
            {
                throw new ReplicaStateException(
                    $"stream {head.StreamId}: the stored entries do not end with the head of checkpoint {instance} (sequence {head.LastSequence})");
            }
        }

        ForgetStreams();
        _tenantQuotas.Clear();
        using var source = new MemoryStream(snapshot.ToArray(), writable: false);
        using var keys = new PortableSealerState.OpenedKeys();
        _store.ImportSnapshot(source, head => FromPortableHead(head, keys));
        _partsWritten = false;
    }

    /// <summary>Removes the entries of parts written for a checkpoint that was not restored (also what a crash left).</summary>
    private void DiscardFetchedParts()
    {
        _store.DiscardUnanchoredEntries();
        _partsWritten = false;
    }

    private long FirstMissing(StreamHead head, SnapshotSummary summary)
    {
        var local = _store.GetHead(head.StreamId);
        return Math.Max(local is null ? 0 : local.LastSequence + 1, FirstRetained(head.StreamId, summary));
    }

    private static long FirstRetained(string streamId, SnapshotSummary summary) =>
        summary.Tombstones.Where(t => t.StreamId == streamId).Select(t => t.LastSequence + 1).DefaultIfEmpty(0).Max();

    private static SnapshotSummary ReadSummary(ReadOnlyMemory<byte> snapshot)
    {
        try
        {
            return SnapshotSummary.Read(snapshot);
        }
        catch (InvalidDataException invalid)
        {
            throw new ReplicaStateException($"the checkpoint's snapshot is unreadable: {invalid.Message}");
        }
    }

    /// <summary>A part id: format byte, the stream id (UTF-8, length-prefixed), first and last sequence.</summary>
    private static byte[] EncodePart(string streamId, long from, long to)
    {
        var name = Encoding.UTF8.GetBytes(streamId);
        var part = new byte[1 + 2 + name.Length + 16];
        part[0] = PartFormat;
        BinaryPrimitives.WriteUInt16BigEndian(part.AsSpan(1), checked((ushort)name.Length));
        name.CopyTo(part, 3);
        BinaryPrimitives.WriteInt64BigEndian(part.AsSpan(3 + name.Length), from);
        BinaryPrimitives.WriteInt64BigEndian(part.AsSpan(11 + name.Length), to);
        return part;
    }

    private static bool TryDecodePart(ReadOnlySpan<byte> part, out string streamId, out long from, out long to)
    {
        streamId = "";
        from = to = 0;
        if (part.Length < 3 || part[0] != PartFormat)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt16BigEndian(part[1..]);
        if (length == 0 || part.Length != 3 + length + 16)
        {
            return false;
        }

        streamId = Encoding.UTF8.GetString(part.Slice(3, length));
        from = BinaryPrimitives.ReadInt64BigEndian(part[(3 + length)..]);
        to = BinaryPrimitives.ReadInt64BigEndian(part[(11 + length)..]);
        return from >= 0 && from <= to;
    }

    private StreamHead FromPortableHead(StreamHead head, PortableSealerState.OpenedKeys keys)
    {
        using var state = PortableSealerState.Open(head.StreamId, head.SealerState, _identity, keys);
        return head with { SealerState = StreamState.ProtectSealerState(state, _identity.AtRestKey) };
    }
}
