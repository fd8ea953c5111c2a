using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using LogService.Sealing;

namespace LogService.Core.KeyService;

/// <summary>
/// The key service's durable copy of each stream's initial secret A_0: one file per stream under a directory,
/// AES-256-GCM under the T replica's at-rest key, with the stream id as associated data so a file copied to
/// another stream's name does not open. Files are written to a temporary name, flushed and renamed, so a crash
/// leaves either the whole secret or none. A secret, once stored, is never replaced.
/// </summary>
internal sealed class StreamSecretStore
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int FileSize = 1 + NonceSize + StreamGenesis.SecretSize + TagSize;
    private const string Extension = ".a0";
    private readonly string _directory;
    private readonly byte[] _atRestKey;

    public StreamSecretStore(string directory, ReadOnlySpan<byte> atRestKey)
    {
        if (atRestKey.Length != 32)
        {
            throw new ArgumentException("the at-rest key must be 32 bytes", nameof(atRestKey));
        }

        _directory = Directory.CreateDirectory(directory).FullName;
        _atRestKey = atRestKey.ToArray();
        foreach (var orphan in Directory.EnumerateFiles(_directory, "*.tmp"))
        {
            // A write interrupted before its rename: the secret was never reported as stored.
            File.Delete(orphan);
        }
    }

    /// <summary>True when a secret is stored for the stream.</summary>
    public bool Contains(string streamId) => File.Exists(PathOf(streamId));

    /// <summary>Stores A_0 for a stream; false (and nothing written) when the stream already has one.</summary>
    public bool TryAdd(string streamId, ReadOnlySpan<byte> secret)
    {
        if (secret.Length != StreamGenesis.SecretSize)
        {
            throw new ArgumentException($"a stream secret is {StreamGenesis.SecretSize} bytes", nameof(secret));
        }

        var path = PathOf(streamId);
        if (File.Exists(path))
        {
            return false;
        }

        var bytes = new byte[FileSize];
        bytes[0] = Version;
        var nonce = bytes.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(_atRestKey, TagSize))
        {
            aes.Encrypt(nonce, secret, bytes.AsSpan(1 + NonceSize, StreamGenesis.SecretSize), bytes.AsSpan(FileSize - TagSize), AssociatedData(streamId));
        }

        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }

        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another caller stored this stream's secret first; theirs stands.
            File.Delete(temporary);
            return false;
        }

        return true;
    }

    /// <summary>Reads A_0 into <paramref name="secret"/>; false when none is stored. Throws when the file was altered.</summary>
    public bool TryRead(string streamId, Span<byte> secret)
    {
        var path = PathOf(streamId);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return false;
        }

        if (bytes.Length != FileSize || bytes[0] != Version)
        {
            throw new CryptographicException($"the stored secret of stream {streamId} is not a version {Version} vault file");
        }

        using var aes = new AesGcm(_atRestKey, TagSize);
        aes.Decrypt(bytes.AsSpan(1, NonceSize), bytes.AsSpan(1 + NonceSize, StreamGenesis.SecretSize), bytes.AsSpan(FileSize - TagSize), secret, AssociatedData(streamId));
        return true;
    }

    /// <summary>The file of a stream: its id with the separator made file-safe (ids are a-z 0-9 . _ - and one '/').</summary>
    internal string PathOf(string streamId)
    {
        var tenant = StreamIdsTenant(streamId);
        var name = streamId[(tenant.Length + 1)..];
        return Path.Combine(_directory, $"{tenant}~{name}{Extension}");
    }

    private static string StreamIdsTenant(string streamId)
    {
        var tenant = Commands.StreamIds.TenantOf(streamId);
        var name = streamId[(tenant.Length + 1)..];
        if (!Commands.StreamIds.IsValidName(tenant) || !Commands.StreamIds.IsValidName(name))
        {
            throw new ArgumentException($"'{streamId}' is not a valid stream id", nameof(streamId));
        }

        return tenant;
    }

    private static byte[] AssociatedData(string streamId)
    {
        var id = Encoding.UTF8.GetBytes(streamId);
        var data = new byte[20 + 2 + id.Length];
        Encoding.ASCII.GetBytes("logsvc/t-vault/v1\0\0\0", data);
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(20), (ushort)id.Length);
        id.CopyTo(data, 22);
        return data;
    }
}
