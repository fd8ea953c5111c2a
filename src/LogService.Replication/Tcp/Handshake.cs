using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using LogService.Replication.Transport;

namespace LogService.Replication.Tcp;

/// <summary>Who is on the other side of an authenticated connection: one replica, or a range of client ids.</summary>
internal readonly record struct Principal(int FirstId, int Count)
{
    public bool IsReplica => NodeIds.IsReplica(FirstId);

    public bool Contains(int id) => id >= FirstId && id - FirstId < Count;
}

/// <summary>The per-direction HMAC keys of one connection.</summary>
internal sealed record LinkKeys(byte[] Send, byte[] Receive);

/// <summary>A handshake that failed because of what the peer sent (not because the network failed).</summary>
internal sealed class HandshakeException(int claimedId, string message) : Exception(message)
{
    /// <summary>The id the peer claimed or was expected to have; -1 when it never said.</summary>
    public int ClaimedId { get; } = claimedId;
}

/// <summary>
/// The link handshake. The dialer sends HELLO (ids, nonce, ephemeral P-256 key, static public key); the acceptor
/// answers with its nonce, ephemeral key and an ECDSA signature over both messages; the dialer finishes with its own
/// signature. Both derive per-direction HMAC keys with HKDF from the ephemeral ECDH secret, salted with both nonces,
/// so every connection has fresh keys and frames from another connection never verify.
/// </summary>
internal static class Handshake
{
    private const byte KindHello = 1, KindReply = 2, KindFinish = 3;
    private const int NonceBytes = 32, PointBytes = 65, MaxMessageBytes = 4096;
    private static readonly byte[] AcceptorLabel = Encoding.ASCII.GetBytes("LogService.Tcp.v1 acceptor");
    private static readonly byte[] DialerLabel = Encoding.ASCII.GetBytes("LogService.Tcp.v1 dialer");
    private static readonly byte[] KeyInfo = Encoding.ASCII.GetBytes("LogService.Tcp.v1 link keys");

    /// <summary>Runs the dialer's side against the replica <paramref name="targetId"/> whose key is <paramref name="targetKey"/>.</summary>
    public static async Task<LinkKeys> DialAsync(
        NetworkStream stream, LocalIdentity self, int targetId, byte[] targetKey, CancellationToken cancellationToken)
    {
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var hello = new byte[113 + self.PublicKey.Length];
        hello[0] = Frame.Version;
        hello[1] = KindHello;
        BinaryPrimitives.WriteInt32LittleEndian(hello.AsSpan(2), self.Id);
        BinaryPrimitives.WriteInt32LittleEndian(hello.AsSpan(6), self.IdCount);
        BinaryPrimitives.WriteInt32LittleEndian(hello.AsSpan(10), targetId);
        nonce.CopyTo(hello, 14);
        ExportPoint(ephemeral).CopyTo(hello, 46);
        BinaryPrimitives.WriteUInt16LittleEndian(hello.AsSpan(111), (ushort)self.PublicKey.Length);
        self.PublicKey.CopyTo(hello, 113);
        await WriteAsync(stream, hello, cancellationToken).ConfigureAwait(false);

        var reply = await ReadAsync(stream, targetId, cancellationToken).ConfigureAwait(false);
        if (reply.Length < 105 || reply[0] != Frame.Version || reply[1] != KindReply)
        {
            throw new HandshakeException(targetId, "malformed handshake reply");
        }

        if (BinaryPrimitives.ReadInt32LittleEndian(reply.AsSpan(2)) != targetId)
        {
            throw new HandshakeException(targetId, "the peer answered with another id");
        }

        var replyBody = reply[..103];
        var signature = ReadSized(reply, 103, targetId).ToArray();
        using (var peerKey = ImportPublicKey(targetKey, targetId))
        {
            if (!peerKey.VerifyData(Concat(AcceptorLabel, hello, replyBody), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
            {
                throw new HandshakeException(targetId, "the peer's handshake signature does not verify under its configured key");
            }
        }

        var mySignature = self.Key.SignData(Concat(DialerLabel, hello, replyBody), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var finish = new byte[4 + mySignature.Length];
        finish[0] = Frame.Version;
        finish[1] = KindFinish;
        BinaryPrimitives.WriteUInt16LittleEndian(finish.AsSpan(2), (ushort)mySignature.Length);
        mySignature.CopyTo(finish, 4);
        await WriteAsync(stream, finish, cancellationToken).ConfigureAwait(false);

        var keys = DeriveKeys(ephemeral, reply.AsSpan(38, PointBytes), hello, replyBody, nonce, reply.AsSpan(6, NonceBytes), targetId);
        return new LinkKeys(Send: keys[..32], Receive: keys[32..]);
    }

    /// <summary>
    /// Runs the acceptor's side. <paramref name="authorize"/> decides whether the claimed ids may use the presented key.
    /// </summary>
    public static async Task<(Principal Peer, byte[] PeerKey, LinkKeys Keys)> AcceptAsync(
        NetworkStream stream, LocalIdentity self, Func<Principal, byte[], string?> authorize, CancellationToken cancellationToken)
    {
        var hello = await ReadAsync(stream, -1, cancellationToken).ConfigureAwait(false);
        if (hello.Length < 113 || hello[0] != Frame.Version || hello[1] != KindHello)
        {
            throw new HandshakeException(-1, "malformed handshake hello");
        }

        var peer = new Principal(BinaryPrimitives.ReadInt32LittleEndian(hello.AsSpan(2)), BinaryPrimitives.ReadInt32LittleEndian(hello.AsSpan(6)));
        if (peer.Count < 1 || (peer.IsReplica && peer.Count != 1) || (!peer.IsReplica && peer.FirstId < NodeIds.FirstClientId))
        {
            throw new HandshakeException(peer.FirstId, "invalid id range in handshake");
        }

        if (BinaryPrimitives.ReadInt32LittleEndian(hello.AsSpan(10)) != self.Id)
        {
            throw new HandshakeException(peer.FirstId, "the peer dialed another node");
        }

        var peerKeyBytes = ReadSized(hello, 111, peer.FirstId).ToArray();
        if (authorize(peer, peerKeyBytes) is { } refusal)
        {
            throw new HandshakeException(peer.FirstId, refusal);
        }

        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var replyBody = new byte[103];
        replyBody[0] = Frame.Version;
        replyBody[1] = KindReply;
        BinaryPrimitives.WriteInt32LittleEndian(replyBody.AsSpan(2), self.Id);
        nonce.CopyTo(replyBody, 6);
        ExportPoint(ephemeral).CopyTo(replyBody, 38);
        var signature = self.Key.SignData(Concat(AcceptorLabel, hello, replyBody), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var reply = new byte[105 + signature.Length];
        replyBody.CopyTo(reply, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(reply.AsSpan(103), (ushort)signature.Length);
        signature.CopyTo(reply, 105);
        await WriteAsync(stream, reply, cancellationToken).ConfigureAwait(false);

        var finish = await ReadAsync(stream, peer.FirstId, cancellationToken).ConfigureAwait(false);
        if (finish.Length < 4 || finish[0] != Frame.Version || finish[1] != KindFinish)
        {
            throw new HandshakeException(peer.FirstId, "malformed handshake finish");
        }

        using (var peerKey = ImportPublicKey(peerKeyBytes, peer.FirstId))
        {
            if (!peerKey.VerifyData(Concat(DialerLabel, hello, replyBody), ReadSized(finish, 2, peer.FirstId), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
            {
                throw new HandshakeException(peer.FirstId, "the peer's handshake signature does not verify under its key");
            }
        }

        var keys = DeriveKeys(ephemeral, hello.AsSpan(46, PointBytes), hello, replyBody, hello.AsSpan(14, NonceBytes), nonce, peer.FirstId);
        return (peer, peerKeyBytes, new LinkKeys(Send: keys[32..], Receive: keys[..32]));
    }

    /// <summary>Derives 64 bytes: the dialer-to-acceptor key, then the acceptor-to-dialer key.</summary>
    private static byte[] DeriveKeys(
        ECDiffieHellman ephemeral, ReadOnlySpan<byte> peerPoint, byte[] hello, ReadOnlySpan<byte> replyBody,
        ReadOnlySpan<byte> dialerNonce, ReadOnlySpan<byte> acceptorNonce, int peerId)
    {
        using var peerEphemeral = ImportPoint(peerPoint, peerId);
        var secret = ephemeral.DeriveRawSecretAgreement(peerEphemeral.PublicKey);
        var salt = Concat(dialerNonce, acceptorNonce, []);
        var info = Concat(KeyInfo, SHA256.HashData(Concat(hello, replyBody, [])), []);
        var keys = new byte[64];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, keys, salt, info);
        CryptographicOperations.ZeroMemory(secret);
        return keys;
    }

    private static byte[] ExportPoint(ECDiffieHellman key)
    {
        var q = key.ExportParameters(false).Q;
        var point = new byte[PointBytes];
        point[0] = 4;
        q.X!.CopyTo(point, 1);
        q.Y!.CopyTo(point, 33);
        return point;
    }

    private static ECDiffieHellman ImportPoint(ReadOnlySpan<byte> point, int peerId)
    {
        if (point[0] != 4)
        {
            throw new HandshakeException(peerId, "ephemeral key is not an uncompressed point");
        }

        try
        {
            return ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = point.Slice(1, 32).ToArray(), Y = point.Slice(33, 32).ToArray() },
            });
        }
        catch (CryptographicException ex)
        {
            throw new HandshakeException(peerId, "invalid ephemeral key: " + ex.Message);
        }
    }

    private static ECDsa ImportPublicKey(byte[] subjectPublicKeyInfo, int peerId)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
            if (key.KeySize != 256)
            {
                throw new HandshakeException(peerId, "the peer's key is not a P-256 key");
            }

            return key;
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            throw new HandshakeException(peerId, "invalid public key: " + ex.Message);
        }
    }

    private static ReadOnlySpan<byte> ReadSized(byte[] message, int at, int peerId)
    {
        var length = BinaryPrimitives.ReadUInt16LittleEndian(message.AsSpan(at));
        if (at + 2 + length != message.Length)
        {
            throw new HandshakeException(peerId, "malformed handshake field");
        }

        return message.AsSpan(at + 2, length);
    }

    private static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c)
    {
        var all = new byte[a.Length + b.Length + c.Length];
        a.CopyTo(all);
        b.CopyTo(all.AsSpan(a.Length));
        c.CopyTo(all.AsSpan(a.Length + b.Length));
        return all;
    }

    private static async Task WriteAsync(NetworkStream stream, byte[] message, CancellationToken cancellationToken)
    {
        var framed = new byte[4 + message.Length];
        BinaryPrimitives.WriteInt32LittleEndian(framed, message.Length);
        message.CopyTo(framed, 4);
        await stream.WriteAsync(framed, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<byte[]> ReadAsync(NetworkStream stream, int peerId, CancellationToken cancellationToken)
    {
        var prefix = new byte[4];
        await stream.ReadExactlyAsync(prefix, cancellationToken).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        if (length is < 2 or > MaxMessageBytes)
        {
            throw new HandshakeException(peerId, "handshake message of invalid length");
        }

        var message = new byte[length];
        await stream.ReadExactlyAsync(message, cancellationToken).ConfigureAwait(false);
        return message;
    }
}

/// <summary>This node's identity for handshakes: its id range and its static signing key.</summary>
internal sealed class LocalIdentity : IDisposable
{
    public LocalIdentity(int id, int idCount, byte[] privateKey)
    {
        Id = id;
        IdCount = idCount;
        Key = ECDsa.Create();
        Key.ImportPkcs8PrivateKey(privateKey, out _);
        if (Key.KeySize != 256)
        {
            throw new ArgumentException("the private key must be a P-256 key", nameof(privateKey));
        }

        PublicKey = Key.ExportSubjectPublicKeyInfo();
    }

    public int Id { get; }

    public int IdCount { get; }

    public ECDsa Key { get; }

    public byte[] PublicKey { get; }

    public void Dispose() => Key.Dispose();
}
