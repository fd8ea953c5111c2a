using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace LogService.Core.Replica;

/// <summary>
/// Wraps a stream's initial secret A_0 to one replica's key-agreement key (ECIES: ephemeral P-256 ECDH, HKDF-SHA256,
/// AES-256-GCM). The stream id and replica id are bound into the key derivation and the associated data, so an
/// envelope cannot be replayed for another stream or opened as another replica's.
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

    /// <summary>Wraps <paramref name="secret"/> for the replica whose key-agreement public key is <paramref name="recipientKey"/>.</summary>
    public static byte[] Wrap(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> recipientKey, string streamId, int replicaId)
    {
        if (secret.Length != SecretSize)
        {
            throw new ArgumentException($"a stream secret is {SecretSize} bytes", nameof(secret));
        }

        using var recipient = ECDiffieHellman.Create();
        recipient.ImportSubjectPublicKeyInfo(recipientKey, out _);
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var envelope = new byte[Size];
        envelope[0] = Version;
        WritePoint(ephemeral.ExportParameters(false).Q, envelope.AsSpan(1, PointSize));
        var nonce = envelope.AsSpan(1 + PointSize, NonceSize);
        RandomNumberGenerator.Fill(nonce);

        Span<byte> key = stackalloc byte[32];
        DeriveKey(ephemeral.DeriveRawSecretAgreement(recipient.PublicKey), envelope.AsSpan(1, PointSize), streamId, replicaId, key);
        using var aes = new AesGcm(key, TagSize);
        CryptographicOperations.ZeroMemory(key);
        var ciphertext = envelope.AsSpan(1 + PointSize + NonceSize, SecretSize);
        aes.Encrypt(nonce, secret, ciphertext, envelope.AsSpan(Size - TagSize), AssociatedData(streamId, replicaId));
        return envelope;
    }

    /// <summary>Opens an envelope addressed to <paramref name="recipient"/> into <paramref name="secret"/>; false if it is not authentic.</summary>
    public static bool TryOpen(ReadOnlySpan<byte> envelope, ECDiffieHellman recipient, string streamId, int replicaId, Span<byte> secret)
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
            DeriveKey(recipient.DeriveRawSecretAgreement(ephemeral.PublicKey), point, streamId, replicaId, key);
            using var aes = new AesGcm(key, TagSize);
            CryptographicOperations.ZeroMemory(key);
            aes.Decrypt(
                envelope.Slice(1 + PointSize, NonceSize),
                envelope.Slice(1 + PointSize + NonceSize, SecretSize),
                envelope[(Size - TagSize)..],
                secret,
                AssociatedData(streamId, replicaId));
            return true;
        }
        catch (CryptographicException)
        {
            // A point off the curve or a failed tag: either way the envelope is not for us.
            CryptographicOperations.ZeroMemory(secret);
            return false;
        }
    }

    private static void DeriveKey(byte[] sharedSecret, ReadOnlySpan<byte> ephemeralPoint, string streamId, int replicaId, Span<byte> key)
    {
        HKDF.DeriveKey(HashAlgorithmName.SHA256, sharedSecret, key, ephemeralPoint, AssociatedData(streamId, replicaId));
        CryptographicOperations.ZeroMemory(sharedSecret);
    }

    private static byte[] AssociatedData(string streamId, int replicaId)
    {
        var id = Encoding.UTF8.GetBytes(streamId);
        var data = new byte[24 + 4 + id.Length];
        Encoding.ASCII.GetBytes("logsvc/stream-secret/v1\0", data);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(24), replicaId);
        id.CopyTo(data.AsSpan(28));
        return data;
    }

    private static void WritePoint(ECPoint q, Span<byte> destination)
    {
        destination[0] = 0x04;
        q.X.AsSpan().CopyTo(destination[1..]);
        q.Y.AsSpan().CopyTo(destination[33..]);
    }
}
