using System.Buffers.Binary;
using System.Security.Cryptography;
using LogService.Sealing;

namespace LogService.Core.Replica;

/// <summary>
/// A stream's sealer state as checkpoint snapshots carry it: the deterministic part (next sequence, head Y, closed)
/// in the clear and the current secret A_j wrapped to every replica's key-agreement key with
/// <see cref="StreamSecretEnvelope.WrapForSnapshot"/>. Every correct replica writes the same bytes, so checkpoint
/// digests agree; a replica restored from it opens only its own envelope and re-encrypts under its own at-rest key.
/// </summary>
/// <remarks>Layout: version (1), closed (1), next sequence (i64 BE), head Y (32), envelope count (u16 BE), envelopes in replica-id order.</remarks>
internal static class PortableSealerState
{
    private const byte Version = 1;
    private const int FixedSize = 1 + 1 + 8 + 32 + 2;

    public static byte[] Encode(SealerState state, ReplicaKeySet keys)
    {
        var bytes = new byte[FixedSize + (keys.Count * StreamSecretEnvelope.Size)];
        var span = bytes.AsSpan();
        span[0] = Version;
        span[1] = state.IsClosed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64BigEndian(span[2..], state.NextSequence);
        state.Head.CopyTo(span[10..]);
        BinaryPrimitives.WriteUInt16BigEndian(span[42..], (ushort)keys.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            StreamSecretEnvelope.WrapForSnapshot(state.CurrentSecret, keys.Replicas[i].KeyAgreementKey, state.StreamId, i, state.NextSequence)
                .CopyTo(span[(FixedSize + (i * StreamSecretEnvelope.Size))..]);
        }

        return bytes;
    }

    /// <summary>Opens this replica's envelope and rebuilds the sealer state.</summary>
    /// <exception cref="ReplicaStateException">The portable state is malformed or its envelope for this replica does not open.</exception>
    public static SealerState Open(string streamId, ReadOnlySpan<byte> bytes, ReplicaIdentity identity)
    {
        var count = bytes.Length >= FixedSize ? BinaryPrimitives.ReadUInt16BigEndian(bytes[42..]) : -1;
        if (count < 0 || bytes[0] != Version || bytes[1] > 1 || bytes.Length != FixedSize + (count * StreamSecretEnvelope.Size) || identity.ReplicaId >= count)
        {
            throw new ReplicaStateException($"stream {streamId}: the snapshot's sealer state is malformed or holds no envelope for replica {identity.ReplicaId}");
        }

        var nextSequence = BinaryPrimitives.ReadInt64BigEndian(bytes[2..]);
        Span<byte> secret = stackalloc byte[StreamGenesis.SecretSize];
        try
        {
            var envelope = bytes.Slice(FixedSize + (identity.ReplicaId * StreamSecretEnvelope.Size), StreamSecretEnvelope.Size);
            if (!StreamSecretEnvelope.TryOpenSnapshot(envelope, identity.KeyAgreementKey, streamId, identity.ReplicaId, nextSequence, secret))
            {
                throw new ReplicaStateException($"stream {streamId}: the snapshot's secret envelope for replica {identity.ReplicaId} does not open with its key-agreement key");
            }

            return new SealerState(streamId, nextSequence, secret, bytes.Slice(10, 32), bytes[1] == 1);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }
}
