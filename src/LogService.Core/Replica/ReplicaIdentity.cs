using System.Security.Cryptography;

namespace LogService.Core.Replica;

/// <summary>
/// One replica's keys: an ECDSA P-256 key that signs commit statements, an ECDH P-256 key that stream secrets are
/// wrapped to, and a symmetric key that protects the current stream secrets at rest. Attestation binds the two
/// public keys to the replica's TPM quote; until then they come from configuration.
/// </summary>
public sealed class ReplicaIdentity : IDisposable
{
    private readonly byte[] _atRestKey;

    /// <summary>Creates an identity from its keys (the at-rest key is copied).</summary>
    public ReplicaIdentity(int replicaId, ECDsa signingKey, ECDiffieHellman keyAgreementKey, ReadOnlySpan<byte> atRestKey)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicaId);
        ArgumentNullException.ThrowIfNull(signingKey);
        ArgumentNullException.ThrowIfNull(keyAgreementKey);
        if (atRestKey.Length != 32)
        {
            throw new ArgumentException("the at-rest key must be 32 bytes", nameof(atRestKey));
        }

        ReplicaId = replicaId;
        SigningKey = signingKey;
        KeyAgreementKey = keyAgreementKey;
        _atRestKey = atRestKey.ToArray();
    }

    /// <summary>The replica's id in the replication group.</summary>
    public int ReplicaId { get; }

    /// <summary>Signs commit statements.</summary>
    public ECDsa SigningKey { get; }

    /// <summary>Opens stream-secret envelopes addressed to this replica.</summary>
    public ECDiffieHellman KeyAgreementKey { get; }

    /// <summary>Encrypts the replica's current stream secrets before they reach storage.</summary>
    internal ReadOnlySpan<byte> AtRestKey => _atRestKey;

    /// <summary>The public half, as published in the replica key set.</summary>
    public ReplicaPublicKeys PublicKeys => new(
        ReplicaId,
        SigningKey.ExportSubjectPublicKeyInfo(),
        KeyAgreementKey.ExportSubjectPublicKeyInfo());

    /// <summary>Creates an identity with fresh keys (development and tests).</summary>
    public static ReplicaIdentity CreateEphemeral(int replicaId) => new(
        replicaId,
        ECDsa.Create(ECCurve.NamedCurves.nistP256),
        ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256),
        RandomNumberGenerator.GetBytes(32));

    /// <summary>Disposes the keys and zeroes the at-rest key.</summary>
    public void Dispose()
    {
        SigningKey.Dispose();
        KeyAgreementKey.Dispose();
        CryptographicOperations.ZeroMemory(_atRestKey);
    }
}

/// <summary>A replica's published public keys (SubjectPublicKeyInfo, DER).</summary>
/// <param name="ReplicaId">The replica's id.</param>
/// <param name="SigningKey">Verifies its commit statements.</param>
/// <param name="KeyAgreementKey">Stream secrets are wrapped to it.</param>
public sealed record ReplicaPublicKeys(int ReplicaId, byte[] SigningKey, byte[] KeyAgreementKey);
