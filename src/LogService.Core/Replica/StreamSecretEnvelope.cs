using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace LogService.Core.Replica;

/// <summary>
/// Wraps a stream's first secret A_0 to one replica's key-agreement key, as the key service delivers it (ECIES:
/// random ephemeral P-256 key, ECDH, HKDF-SHA256, AES-256-GCM). The stream id and replica id are bound into the key
/// derivation and the associated data, so an envelope cannot be replayed for another stream or opened as another
/// replica's. Checkpoints carry later secrets in their own form, <see cref="PortableSealerState"/>.
/// </summary>
public static class StreamSecretEnvelope
{
    private const byte Version = 1;
    private const int PointSize = 65;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int SecretSize = 32;

    /// <summary>The envelope's length in bytes.</summary>
    public const int Size = 1 + PointSize + NonceSize + SecretSize + TagSize;

    /// <summary>Wraps <paramref name="secret"/> (A_0) for the replica whose key-agreement public key is <paramref name="recipientKey"/>.</summary>
    public static byte[] Wrap(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> recipientKey, string streamId, int replicaId)
    {
        CheckSecret(secret);
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        Span<byte> nonce = stackalloc byte[NonceSize];
        RandomNumberGenerator.Fill(nonce);
        return Seal(secret, recipientKey, ephemeral, nonce, CreationContext(streamId, replicaId));
    }

    /// <summary>Opens an envelope made by <see cref="Wrap"/> into <paramref name="secret"/>; false if it is not authentic or not for this replica.</summary>
    public static bool TryOpen(ReadOnlySpan<byte> envelope, ECDiffieHellman recipient, string streamId, int replicaId, Span<byte> secret) =>
        TryOpen(envelope, recipient, CreationContext(streamId, replicaId), secret);

    private static byte[] Seal(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> recipientKey, ECDiffieHellman ephemeral, ReadOnlySpan<byte> nonce, byte[] context)
    {
        using var recipient = ECDiffieHellman.Create();
        recipient.ImportSubjectPublicKeyInfo(recipientKey, out _);
        var envelope = new byte[Size];
        envelope[0] = Version;
        var point = envelope.AsSpan(1, PointSize);
        var q = ephemeral.ExportParameters(false).Q;
        point[0] = 0x04;
        q.X.AsSpan().CopyTo(point[1..]);
        q.Y.AsSpan().CopyTo(point[33..]);
        nonce.CopyTo(envelope.AsSpan(1 + PointSize, NonceSize));

        Span<byte> key = stackalloc byte[32];
        DeriveKey(ephemeral.DeriveRawSecretAgreement(recipient.PublicKey), point, context, key);
        using var aes = new AesGcm(key, TagSize);
        CryptographicOperations.ZeroMemory(key);
        aes.Encrypt(nonce, secret, envelope.AsSpan(1 + PointSize + NonceSize, SecretSize), envelope.AsSpan(Size - TagSize), context);
        return envelope;
    }

    private static bool TryOpen(ReadOnlySpan<byte> envelope, ECDiffieHellman recipient, byte[] context, Span<byte> secret)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        if (envelope.Length != Size || envelope[0] != Version || secret.Length != SecretSize)
        {
            return false;
        }

        var point = envelope.Slice(1, PointSize);
        if (point[0] != 0x04)
        {
            return false;
        }

        try
        {
            using var ephemeral = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = point.Slice(1, 32).ToArray(), Y = point.Slice(33, 32).ToArray() },
            });
            Span<byte> key = stackalloc byte[32];
            DeriveKey(recipient.DeriveRawSecretAgreement(ephemeral.PublicKey), point, context, key);
            using var aes = new AesGcm(key, TagSize);
            CryptographicOperations.ZeroMemory(key);
            aes.Decrypt(envelope.Slice(1 + PointSize, NonceSize), envelope.Slice(1 + PointSize + NonceSize, SecretSize), envelope[(Size - TagSize)..], secret, context);
            return true;
        }
        catch (CryptographicException)
        {
            // A point off the curve or a failed tag: either way the envelope is not for us.
            CryptographicOperations.ZeroMemory(secret);
            return false;
        }
    }

    private static void DeriveKey(byte[] sharedSecret, ReadOnlySpan<byte> ephemeralPoint, byte[] context, Span<byte> key)
    {
        HKDF.DeriveKey(HashAlgorithmName.SHA256, sharedSecret, key, ephemeralPoint, context);
        CryptographicOperations.ZeroMemory(sharedSecret);
    }

    private static void CheckSecret(ReadOnlySpan<byte> secret)
    {
        if (secret.Length != SecretSize)
        {
            throw new ArgumentException($"a stream secret is {SecretSize} bytes", nameof(secret));
        }
    }

    private static byte[] CreationContext(string streamId, int replicaId) => Context("logsvc/stream-secret/v1\0"u8, streamId, replicaId);

    private static byte[] Context(ReadOnlySpan<byte> label, string streamId, int replicaId)
    {
        var id = Encoding.UTF8.GetBytes(streamId);
        var data = new byte[label.Length + 4 + id.Length];
        label.CopyTo(data);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(label.Length), replicaId);
        id.CopyTo(data.AsSpan(label.Length + 4));
        return data;
    }
}
