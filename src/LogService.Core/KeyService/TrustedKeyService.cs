using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using LogService.Core.Commands;
using LogService.Core.Replica;
using LogService.Sealing;
using LogService.Sealing.Escrow;
using LogService.Storage;

namespace LogService.Core.KeyService;

/// <summary>
/// The key service T (DESIGN §6) on the replica configured to host it: it draws and keeps each stream's A_0
/// (encrypted at rest under this replica's at-rest key), releases per-entry keys K_j to readers, and splits A_0
/// k-of-m for auditors. It never hands out any A_j: a released K_j = H("encrypt" ‖ W_j ‖ A_j) is a one-way image
/// of A_j, so it opens entry j's body and nothing else. Whether a caller may have the keys is the caller's
/// (the API's) decision by policy; this class only derives.
/// </summary>
public sealed class TrustedKeyService : IDisposable
{
    private readonly StreamSecretStore _store;
    private readonly IRandomSource _random;
    private readonly StreamKeyService _preparer;
    private readonly ConcurrentDictionary<string, SecretLadder> _ladders = new(StringComparer.Ordinal);

    /// <summary>Opens (or creates) the key store in <paramref name="directory"/>, encrypted under <paramref name="identity"/>'s at-rest key.</summary>
    public TrustedKeyService(string directory, ReplicaIdentity identity, IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(identity);
        _random = random ?? throw new ArgumentNullException(nameof(random));
        _store = new StreamSecretStore(directory, identity.AtRestKey);
        _preparer = new StreamKeyService(random);
    }

    /// <summary>Entries between the secrets T keeps in memory per stream: deriving K_j costs at most this many hashes.</summary>
    public static int LadderSpacing => SecretLadder.Spacing;

    /// <summary>
    /// Builds the command that creates a stream, wrapping its A_0 to every replica. The first call for a stream id
    /// draws A_0 and stores it before returning; later calls (a retry after a lost reply, a create refused because
    /// the stream exists) wrap the same stored secret again, so a stream's secret is never replaced.
    /// </summary>
    /// <param name="tenant">The owning tenant.</param>
    /// <param name="name">The stream name.</param>
    /// <param name="retention">The stream's retention policy.</param>
    /// <param name="replicas">Every replica's public keys, in replica-id order.</param>
    public CreateStreamCommand PrepareStream(string tenant, string name, RetentionPolicy retention, IReadOnlyList<ReplicaPublicKeys> replicas)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        var streamId = StreamIds.Compose(tenant, name);
        if (!_store.Contains(streamId))
        {
            var command = _preparer.PrepareStream(tenant, name, retention, replicas, out var fresh);
            try
            {
                if (_store.TryAdd(streamId, fresh))
                {
                    return command;
                }
            }
            finally
            {
                CryptographicOperations.ZeroMemory(fresh);
            }
        }

        Span<byte> secret = stackalloc byte[StreamGenesis.SecretSize];
        try
        {
            ReadSecret(streamId, secret);
            var copy = secret.ToArray();
            var envelopes = replicas.Select(r => StreamSecretEnvelope.Wrap(copy, r.KeyAgreementKey, streamId, r.ReplicaId)).ToArray();
            CryptographicOperations.ZeroMemory(copy);
            return new CreateStreamCommand(tenant, name, retention, envelopes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>True when T holds the stream's secret.</summary>
    public bool HoldsSecretOf(string streamId) => _store.Contains(streamId);

    /// <summary>
    /// K_j for entries <paramref name="firstSequence"/> .. firstSequence + entryMasks.Length - 1 whose stored mask
    /// W_j shares a bit with <paramref name="readerMask"/>; <paramref name="entryMasks"/>[i] is W of entry firstSequence + i.
    /// </summary>
    /// <exception cref="KeyNotFoundException">T holds no secret for the stream.</exception>
    public ReleasedKeys ReleaseKeys(string streamId, long firstSequence, ReadOnlySpan<ulong> entryMasks, ulong readerMask)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstSequence);
        var ladder = LadderOf(streamId);
        Span<byte> rung = stackalloc byte[StreamGenesis.SecretSize];
        try
        {
            var rungSequence = ladder.RungAtOrBelow(firstSequence, rung);

            // K_j depends on A_j and W_j only, so the chain can be entered at the rung as if it were A_0.
            using var relative = KeyRelease.Derive(rung, firstSequence - rungSequence, entryMasks, readerMask);
            return Shift(relative, rungSequence);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(rung);
        }
    }

    /// <summary>
    /// K_j for a scattered set of entries (a query page): each (sequence, W_j) pair whose W_j shares a bit with
    /// <paramref name="readerMask"/>. Entries are walked rung by rung, so the cost is one pass from each rung that
    /// holds a requested entry up to the last requested entry above it.
    /// </summary>
    /// <exception cref="KeyNotFoundException">T holds no secret for the stream.</exception>
    public ReleasedKeys ReleaseKeys(string streamId, IReadOnlyCollection<(long Sequence, ulong Mask)> entries, ulong readerMask)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var parts = new List<byte[]>();
        foreach (var group in entries.Where(e => (e.Mask & readerMask) != 0).GroupBy(e => e.Sequence / SecretLadder.Spacing))
        {
            var first = group.Min(e => e.Sequence);
            var masks = new ulong[group.Max(e => e.Sequence) - first + 1];
            foreach (var (sequence, mask) in group)
            {
                masks[sequence - first] = mask;
            }

            using var keys = ReleaseKeys(streamId, first, masks, readerMask);
            parts.Add(keys.Encode());
        }

        return Concatenate(parts);
    }

    /// <summary>Splits the stream's A_0 into <paramref name="shareCount"/> shares, any <paramref name="threshold"/> of which rebuild it.</summary>
    /// <exception cref="KeyNotFoundException">T holds no secret for the stream.</exception>
    public IReadOnlyList<ShamirShare> Escrow(string streamId, int threshold, int shareCount)
    {
        Span<byte> secret = stackalloc byte[StreamGenesis.SecretSize];
        try
        {
            ReadSecret(streamId, secret);
            return ShamirSecretSharing.Split(secret, threshold, shareCount, _random);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>Zeroes every secret held in memory.</summary>
    public void Dispose()
    {
        foreach (var ladder in _ladders.Values)
        {
            ladder.Dispose();
        }

        _ladders.Clear();
    }

    private SecretLadder LadderOf(string streamId)
    {
        if (_ladders.TryGetValue(streamId, out var ladder))
        {
            return ladder;
        }

        Span<byte> secret = stackalloc byte[StreamGenesis.SecretSize];
        ReadSecret(streamId, secret);
        var created = new SecretLadder(secret);
        CryptographicOperations.ZeroMemory(secret);
        if (_ladders.TryAdd(streamId, created))
        {
            return created;
        }

        created.Dispose();
        return _ladders[streamId];
    }

    private void ReadSecret(string streamId, Span<byte> secret)
    {
        if (!_store.TryRead(streamId, secret))
        {
            throw new KeyNotFoundException($"the key service holds no secret for stream {streamId}");
        }
    }

    /// <summary>Joins encoded key releases over disjoint sequences into one.</summary>
    private static ReleasedKeys Concatenate(List<byte[]> parts)
    {
        var count = parts.Sum(p => BinaryPrimitives.ReadInt32BigEndian(p.AsSpan(1)));
        var bytes = new byte[5 + parts.Sum(p => p.Length - 5)];
        bytes[0] = parts.Count > 0 ? parts[0][0] : (byte)1;
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(1), count);
        var at = 5;
        foreach (var part in parts)
        {
            part.AsSpan(5).CopyTo(bytes.AsSpan(at));
            at += part.Length - 5;
            CryptographicOperations.ZeroMemory(part);
        }

        try
        {
            return ReleasedKeys.Decode(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Renumbers released keys by <paramref name="offset"/> through their documented binary form.</summary>
    private static ReleasedKeys Shift(ReleasedKeys keys, long offset)
    {
        var bytes = keys.Encode();
        try
        {
            const int Record = 8 + StreamGenesis.SecretSize;
            for (var at = 5; at < bytes.Length; at += Record)
            {
                var span = bytes.AsSpan(at, 8);
                BinaryPrimitives.WriteInt64BigEndian(span, BinaryPrimitives.ReadInt64BigEndian(span) + offset);
            }

            return ReleasedKeys.Decode(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}
