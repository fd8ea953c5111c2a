using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using LogService.Sealing;

namespace LogService.Core.Replica;

/// <summary>
/// A stream's sealer state as checkpoint snapshots carry it: the deterministic part (next sequence, head Y, closed)
/// in the clear and the current secret A_j wrapped for every replica. Every correct replica writes the same bytes, so
/// checkpoint digests agree; a replica restored from it opens only its own wrapping and re-encrypts under its own
/// at-rest key.
/// </summary>
/// <remarks>
/// <para>
/// One checkpoint wraps all its streams' secrets with one ephemeral P-256 key (<see cref="Wrapping"/>): ECDH with each
/// replica's key-agreement key gives one key per replica, from which HKDF derives a key per (replica, stream,
/// sequence) for AES-256-GCM. So a checkpoint costs one scalar multiplication for the ephemeral point and one per
/// replica, however many streams it holds; an ephemeral key per stream and replica cost four EC operations each and
/// held up execution for tens of milliseconds at every checkpoint with only two busy streams. The ephemeral scalar is
/// derived from every stream's (id, sequence, A_j), in the manner RFC 6979 derives ECDSA nonces, so all correct
/// replicas derive the same one; it is as secret as the secrets it wraps (computing it takes all of them). Each
/// (replica, stream, sequence) key encrypts exactly one value, A_j itself, so the fixed nonce never meets a second plaintext.
/// </para>
/// <para>Layout: version (2), closed (1), next sequence (i64 BE), head Y (32), replica count (u16 BE), ephemeral point
/// (65, uncompressed), then per replica in id order the wrapped secret (32) and its tag (16).</para>
/// </remarks>
internal static class PortableSealerState
{
    private const byte Version = 2;
    private const int PointSize = 65;
    private const int SecretSize = StreamGenesis.SecretSize;
    private const int TagSize = 16;
    private const int WrappedSize = SecretSize + TagSize;
    private const int FixedSize = 1 + 1 + 8 + 32 + 2 + PointSize;

    /// <summary>The P-256 group order: derived scalars must lie in [1, n-1].</summary>
    private static readonly BigInteger Order = BigInteger.Parse("0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Opens this replica's wrapping and rebuilds the sealer state; <paramref name="keys"/> remembers the last checkpoint key.</summary>
    /// <exception cref="ReplicaStateException">The portable state is malformed or its wrapping for this replica does not open.</exception>
    public static SealerState Open(string streamId, ReadOnlySpan<byte> bytes, ReplicaIdentity identity, OpenedKeys keys)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(keys);
        var count = bytes.Length >= FixedSize ? BinaryPrimitives.ReadUInt16BigEndian(bytes[42..]) : -1;
        if (count < 0 || bytes[0] != Version || bytes[1] > 1 || bytes.Length != FixedSize + (count * WrappedSize) || identity.ReplicaId >= count)
        {
            throw new ReplicaStateException($"stream {streamId}: the snapshot's sealer state is malformed or holds no wrapped secret for replica {identity.ReplicaId}");
        }

        var nextSequence = BinaryPrimitives.ReadInt64BigEndian(bytes[2..]);
        Span<byte> secret = stackalloc byte[SecretSize];
        try
        {
            var wrapped = bytes.Slice(FixedSize + (identity.ReplicaId * WrappedSize), WrappedSize);
            if (!keys.TryOpen(bytes.Slice(44, PointSize), identity, streamId, nextSequence, wrapped, secret))
            {
                throw new ReplicaStateException($"stream {streamId}: the snapshot's secret for replica {identity.ReplicaId} does not open with its key-agreement key");
            }

            return new SealerState(streamId, nextSequence, secret, bytes.Slice(10, 32), bytes[1] == 1);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static byte[] Context(int replicaId, string streamId, long sequence)
    {
        var label = "logsvc/snapshot-secret/v2\0"u8;
        var id = Encoding.UTF8.GetBytes(streamId);
        var context = new byte[label.Length + 4 + 8 + id.Length];
        label.CopyTo(context);
        BinaryPrimitives.WriteInt32BigEndian(context.AsSpan(label.Length), replicaId);
        BinaryPrimitives.WriteInt64BigEndian(context.AsSpan(label.Length + 4), sequence);
        id.CopyTo(context.AsSpan(label.Length + 12));
        return context;
    }

    /// <summary>K_r = HKDF(ECDH shared secret, salt: the ephemeral point, info: the replica id).</summary>
    private static byte[] ReplicaKey(byte[] sharedSecret, ReadOnlySpan<byte> point, int replicaId)
    {
        Span<byte> info = stackalloc byte["logsvc/snapshot-key/v2\0"u8.Length + 4];
        "logsvc/snapshot-key/v2\0"u8.CopyTo(info);
        BinaryPrimitives.WriteInt32BigEndian(info[^4..], replicaId);
        var key = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, sharedSecret, key, point, info);
        CryptographicOperations.ZeroMemory(sharedSecret);
        return key;
    }

    private static void Seal(ReadOnlySpan<byte> replicaKey, byte[] context, ReadOnlySpan<byte> secret, Span<byte> wrapped)
    {
        Span<byte> key = stackalloc byte[32];
        HKDF.Expand(HashAlgorithmName.SHA256, replicaKey, key, context);
        using var aes = new AesGcm(key, TagSize);
        CryptographicOperations.ZeroMemory(key);
        aes.Encrypt(stackalloc byte[12], secret, wrapped[..SecretSize], wrapped[SecretSize..], context);
    }

    /// <summary>The wrapping one checkpoint applies to every stream's secret: its ephemeral point and one key per replica.</summary>
    public sealed class Wrapping : IDisposable
    {
        private readonly byte[] _point = new byte[PointSize];
        private readonly byte[][] _replicaKeys;

        private Wrapping(byte[][] replicaKeys, ReadOnlySpan<byte> point)
        {
            _replicaKeys = replicaKeys;
            point.CopyTo(_point);
        }

        /// <summary>
        /// Derives the checkpoint's ephemeral key from <paramref name="states"/> (every stream the snapshot holds, in
        /// the order it lists them) and agrees a key with each replica of <paramref name="keys"/>.
        /// </summary>
        public static Wrapping Create(IReadOnlyList<SealerState> states, ReplicaKeySet keys)
        {
            ArgumentNullException.ThrowIfNull(states);
            ArgumentNullException.ThrowIfNull(keys);
            Span<byte> scalar = stackalloc byte[32];
            DeriveScalar(states, scalar);
            try
            {
                using var ephemeral = ECDiffieHellman.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = scalar.ToArray() });
                var q = ephemeral.ExportParameters(false).Q;
                Span<byte> point = stackalloc byte[PointSize];
                point[0] = 0x04;
                q.X.AsSpan().CopyTo(point[1..]);
                q.Y.AsSpan().CopyTo(point[33..]);
                var replicaKeys = new byte[keys.Count][];
                for (var r = 0; r < keys.Count; r++)
                {
                    replicaKeys[r] = ReplicaKey(keys.AgreeWith(r, ephemeral), point, r);
                }

                return new Wrapping(replicaKeys, point);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(scalar);
            }
        }

        /// <summary>The portable form of <paramref name="state"/>.</summary>
        public byte[] Encode(SealerState state)
        {
            ArgumentNullException.ThrowIfNull(state);
            var bytes = new byte[FixedSize + (_replicaKeys.Length * WrappedSize)];
            var span = bytes.AsSpan();
            span[0] = Version;
            span[1] = state.IsClosed ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteInt64BigEndian(span[2..], state.NextSequence);
            state.Head.CopyTo(span[10..]);
            BinaryPrimitives.WriteUInt16BigEndian(span[42..], (ushort)_replicaKeys.Length);
            _point.CopyTo(span[44..]);
            for (var r = 0; r < _replicaKeys.Length; r++)
            {
                Seal(_replicaKeys[r], Context(r, state.StreamId, state.NextSequence), state.CurrentSecret, span.Slice(FixedSize + (r * WrappedSize), WrappedSize));
            }

            return bytes;
        }

        /// <summary>Erases the replica keys.</summary>
        public void Dispose()
        {
            foreach (var key in _replicaKeys)
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }

        /// <summary>k = HMAC_{H(every (stream, sequence, A_j))}(label ‖ counter), the first value in [1, n-1].</summary>
        private static void DeriveScalar(IReadOnlyList<SealerState> states, Span<byte> scalar)
        {
            Span<byte> seed = stackalloc byte[32];
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                Span<byte> number = stackalloc byte[8];
                hash.AppendData("logsvc/snapshot-ephemeral/v2\0"u8);
                foreach (var state in states)
                {
                    var id = Encoding.UTF8.GetBytes(state.StreamId);
                    BinaryPrimitives.WriteInt64BigEndian(number, id.Length);
                    hash.AppendData(number);
                    hash.AppendData(id);
                    BinaryPrimitives.WriteInt64BigEndian(number, state.NextSequence);
                    hash.AppendData(number);
                    hash.AppendData(state.CurrentSecret);
                }

                hash.GetHashAndReset(seed);
            }

            Span<byte> counter = stackalloc byte[1];
            for (byte i = 0; ; i++)
            {
                counter[0] = i;
                HMACSHA256.HashData(seed, counter, scalar);
                var value = new BigInteger(scalar, isUnsigned: true, isBigEndian: true);
                if (!value.IsZero && value < Order)
                {
                    CryptographicOperations.ZeroMemory(seed);
                    return;
                }
            }
        }
    }

    /// <summary>
    /// The key a replica last agreed with a checkpoint's ephemeral point: one restore opens every stream of one
    /// checkpoint, and all of them share that point.
    /// </summary>
    public sealed class OpenedKeys : IDisposable
    {
        private byte[]? _point;
        private byte[]? _key;
        private ReplicaIdentity? _identity;

        internal bool TryOpen(ReadOnlySpan<byte> point, ReplicaIdentity identity, string streamId, long sequence, ReadOnlySpan<byte> wrapped, Span<byte> secret)
        {
            if (point[0] != 0x04)
            {
                return false;
            }

            try
            {
                if (_key is null || _identity != identity || !point.SequenceEqual(_point))
                {
                    using var ephemeral = ECDiffieHellman.Create(new ECParameters
                    {
                        Curve = ECCurve.NamedCurves.nistP256,
                        Q = new ECPoint { X = point.Slice(1, 32).ToArray(), Y = point.Slice(33, 32).ToArray() },
                    });
                    using var ephemeralPublic = ephemeral.PublicKey;
                    Dispose();
                    _key = ReplicaKey(identity.KeyAgreementKey.DeriveRawSecretAgreement(ephemeralPublic), point, identity.ReplicaId);
                    _point = point.ToArray();
                    _identity = identity;
                }

                var context = Context(identity.ReplicaId, streamId, sequence);
                Span<byte> key = stackalloc byte[32];
                HKDF.Expand(HashAlgorithmName.SHA256, _key, key, context);
                using var aes = new AesGcm(key, TagSize);
                CryptographicOperations.ZeroMemory(key);
                aes.Decrypt(stackalloc byte[12], wrapped[..SecretSize], wrapped[SecretSize..], secret, context);
                return true;
            }
            catch (CryptographicException)
            {
                // A point off the curve or a failed tag: either way the secret is not for this replica.
                CryptographicOperations.ZeroMemory(secret);
                return false;
            }
        }

        /// <summary>Erases the remembered key.</summary>
        public void Dispose()
        {
            if (_key is not null)
            {
                CryptographicOperations.ZeroMemory(_key);
            }

            _key = null;
            _point = null;
            _identity = null;
        }
    }
}
