using System.Buffers.Binary;
using System.Security.Cryptography;

namespace LogService.Replication.Crypto;

/// <summary>
/// All signing in the engine: ECDSA P-256 over SHA-256 with fixed-size (IEEE P1363) signatures. Proposals and
/// ACCEPTs sign short statements (kind, regency, instance, digest), so two statements from one signer are
/// transferable evidence; STOPDATA signs its encoded body. Used from the replica's event loop only.
/// </summary>
internal sealed class Signer : IDisposable
{
    public const int SignatureSize = 64;
    public const int StatementSize = 1 + 4 + 8 + Digest.Size;

    private const DSASignatureFormat Format = DSASignatureFormat.IeeeP1363FixedFieldConcatenation;

    private readonly ECDsa? own;
    private readonly ECDsa[] replicas;

    /// <param name="privateKeyPkcs8">This replica's key, or null for a node that only verifies.</param>
    /// <param name="publicKeys">Every replica's SubjectPublicKeyInfo, indexed by replica id.</param>
    public Signer(byte[]? privateKeyPkcs8, IReadOnlyList<byte[]> publicKeys)
    {
        if (privateKeyPkcs8 is not null)
        {
            own = ECDsa.Create();
            own.ImportPkcs8PrivateKey(privateKeyPkcs8, out _);
        }

        replicas = new ECDsa[publicKeys.Count];
        for (var i = 0; i < replicas.Length; i++)
        {
            replicas[i] = ECDsa.Create();
            replicas[i].ImportSubjectPublicKeyInfo(publicKeys[i], out _);
        }
    }

    /// <summary>Statement kinds; a proposal signature can never be replayed as an ACCEPT and vice versa.</summary>
    public enum Statement : byte
    {
        Propose = (byte)'P',
        Accept = (byte)'A',
    }

    /// <summary>Writes the signed statement (kind, regency, instance, digest) into <paramref name="destination"/>.</summary>
    public static void WriteStatement(Span<byte> destination, Statement kind, int regency, long instance, ReadOnlySpan<byte> digest)
    {
        destination[0] = (byte)kind;
        BinaryPrimitives.WriteInt32LittleEndian(destination[1..], regency);
        BinaryPrimitives.WriteInt64LittleEndian(destination[5..], instance);
        digest.CopyTo(destination[13..]);
    }

    public static byte[] StatementBytes(Statement kind, int regency, long instance, ReadOnlySpan<byte> digest)
    {
        var s = new byte[StatementSize];
        WriteStatement(s, kind, regency, instance, digest);
        return s;
    }

    public byte[] SignStatement(Statement kind, int regency, long instance, ReadOnlySpan<byte> digest)
    {
        Span<byte> s = stackalloc byte[StatementSize];
        WriteStatement(s, kind, regency, instance, digest);
        return Sign(s);
    }

    public bool VerifyStatement(int replica, Statement kind, int regency, long instance, ReadOnlySpan<byte> digest, ReadOnlySpan<byte> signature)
    {
        Span<byte> s = stackalloc byte[StatementSize];
        WriteStatement(s, kind, regency, instance, digest);
        return Verify(replica, s, signature);
    }

    public byte[] Sign(ReadOnlySpan<byte> data) =>
        (own ?? throw new InvalidOperationException("this node has no signing key")).SignData(data, HashAlgorithmName.SHA256, Format);

    public bool Verify(int replica, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        (uint)replica < (uint)replicas.Length && signature.Length == SignatureSize &&
        replicas[replica].VerifyData(data, signature, HashAlgorithmName.SHA256, Format);

    public void Dispose()
    {
        own?.Dispose();
        foreach (var k in replicas)
        {
            k.Dispose();
        }
    }
}
