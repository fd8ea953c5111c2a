using System.Security.Cryptography;

namespace LogService.Replication;

/// <summary>Creates replica signing keys in the formats <see cref="ReplicationOptions"/> expects.</summary>
public static class ReplicaKeys
{
    /// <summary>Generates one ECDSA P-256 key pair: PKCS#8 private key and SubjectPublicKeyInfo public key.</summary>
    public static (byte[] PrivateKey, byte[] PublicKey) Generate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return (key.ExportPkcs8PrivateKey(), key.ExportSubjectPublicKeyInfo());
    }
}
