using System.Security.Cryptography;

namespace LogService.Replication.Tcp;

/// <summary>A node's P-256 key pair in the forms <see cref="TcpTransportOptions"/> takes.</summary>
/// <param name="PrivateKey">PKCS#8 private key, for the node itself.</param>
/// <param name="PublicKey">SubjectPublicKeyInfo, for its peers' configuration.</param>
public sealed record TcpNodeKey(byte[] PrivateKey, byte[] PublicKey)
{
    /// <summary>Generates a fresh key pair.</summary>
    public static TcpNodeKey Generate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new TcpNodeKey(key.ExportPkcs8PrivateKey(), key.ExportSubjectPublicKeyInfo());
    }
}
