using System.Security.Cryptography;
using System.Text;
using LogService.Core.Commands;
using LogService.Server.Hosting;

namespace LogService.Server.Streams;

/// <summary>
/// Where the key service T keeps each stream's initial secret A_0: one file per stream in T's data folder,
/// AES-256-GCM under T's key-service key with the stream id as associated data (so files cannot be swapped between
/// streams). A_0 is written before the create command is submitted and only becomes the stream's secret once the
/// replicas committed the stream: a secret is never replaced, so a stream never loses the A_0 it was sealed with.
/// </summary>
public sealed class InitialSecretVault
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int SecretSize = 32;
    private readonly string _directory;
    private readonly byte[] _key;

    /// <summary>Opens the vault in the key-service replica's data folder.</summary>
    public InitialSecretVault(ReplicaRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        _directory = Path.Combine(runtime.DataDirectory, "key-service");
        _key = Convert.FromBase64String(runtime.Secrets.KeyServiceKey);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(_directory);
        }
        else
        {
            Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Whether A_0 of <paramref name="streamId"/> is held.</summary>
    public bool Contains(string streamId) => File.Exists(PathOf(streamId, pending: false));

    /// <summary>Reads A_0 of <paramref name="streamId"/> into <paramref name="secret"/> (32 bytes); false if it is not held or fails authentication.</summary>
    public bool TryRead(string streamId, Span<byte> secret) => TryRead(streamId, pending: false, secret);

    /// <summary>Reads the pending A_0 of a stream whose creation was not confirmed yet.</summary>
    internal bool TryReadPending(string streamId, Span<byte> secret) => TryRead(streamId, pending: true, secret);

    private bool TryRead(string streamId, bool pending, Span<byte> secret)
    {
        var path = PathOf(streamId, pending);
        if (secret.Length != SecretSize || !File.Exists(path))
        {
            return false;
        }

        var sealedBytes = File.ReadAllBytes(path);
        if (sealedBytes.Length != NonceSize + SecretSize + TagSize)
        {
            return false;
        }

        using var aes = new AesGcm(_key, TagSize);
        try
        {
            aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, SecretSize), sealedBytes.AsSpan(NonceSize + SecretSize), secret, Encoding.UTF8.GetBytes(streamId));
            return true;
        }
        catch (CryptographicException)
        {
            CryptographicOperations.ZeroMemory(secret);
            return false;
        }
    }

    /// <summary>Keeps A_0 of a stream about to be created, durably, as pending.</summary>
    internal void WritePending(string streamId, ReadOnlySpan<byte> secret)
    {
        var sealedBytes = new byte[NonceSize + SecretSize + TagSize];
        RandomNumberGenerator.Fill(sealedBytes.AsSpan(0, NonceSize));
        using (var aes = new AesGcm(_key, TagSize))
        {
            aes.Encrypt(sealedBytes.AsSpan(0, NonceSize), secret, sealedBytes.AsSpan(NonceSize, SecretSize), sealedBytes.AsSpan(NonceSize + SecretSize), Encoding.UTF8.GetBytes(streamId));
        }

        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var file = new FileStream(PathOf(streamId, pending: true), options);
        file.Write(sealedBytes);
        file.Flush(flushToDisk: true);
    }

    /// <summary>The replicas committed the stream: its pending A_0 becomes its secret.</summary>
    internal void Commit(string streamId) => File.Move(PathOf(streamId, pending: true), PathOf(streamId, pending: false), overwrite: false);

    /// <summary>The stream was not created: drop its pending A_0.</summary>
    internal void Discard(string streamId) => File.Delete(PathOf(streamId, pending: true));

    private string PathOf(string streamId, bool pending)
    {
        // Stream ids are a-z 0-9 . _ - and one '/', so this name is unique and safe as a file name.
        var tenant = StreamIds.TenantOf(streamId);
        var name = streamId[(tenant.Length + 1)..];
        return Path.Combine(_directory, $"{tenant}~{name}.a0{(pending ? ".pending" : "")}");
    }
}
