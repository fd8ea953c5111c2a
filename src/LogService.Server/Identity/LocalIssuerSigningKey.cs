using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace LogService.Server.Identity;

/// <summary>
/// The local issuer's ES256 key: created once, kept as PKCS#8 PEM readable only by its owner in the data
/// directory, and reused across restarts so tokens and cached key sets stay valid.
/// </summary>
internal sealed class LocalIssuerSigningKey : IDisposable
{
    private const string FileName = "signing-key-es256.pem";
    private readonly ECDsa key;

    public LocalIssuerSigningKey(IOptions<LocalIssuerOptions> options)
    {
        var directory = Path.GetFullPath(options.Value.DataDirectory);
        key = LoadOrCreate(directory, Path.Combine(directory, FileName));
        var parameters = key.ExportParameters(includePrivateParameters: false);
        X = Base64UrlEncoder.Encode(parameters.Q.X);
        Y = Base64UrlEncoder.Encode(parameters.Q.Y);

        // RFC 7638 thumbprint: a key id that is the same wherever the key is loaded.
        var canonical = $$"""{"crv":"P-256","kty":"EC","x":"{{X}}","y":"{{Y}}"}""";
        KeyId = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
        Credentials = new SigningCredentials(new ECDsaSecurityKey(key) { KeyId = KeyId }, SecurityAlgorithms.EcdsaSha256);
    }

    public string KeyId { get; }

    public string X { get; }

    public string Y { get; }

    public SigningCredentials Credentials { get; }

    public void Dispose() => key.Dispose();

    private static ECDsa LoadOrCreate(string directory, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var key = ECDsa.Create();
        try
        {
            if (!File.Exists(path))
            {
                TryCreate(key, path);
            }

            key.ImportFromPem(File.ReadAllText(path));
            if (key.KeySize != 256)
            {
                throw new CryptographicException($"the local issuer key in {FileName} is not a P-256 key");
            }

            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static void TryCreate(ECDsa key, string path)
    {
        key.GenerateKey(ECCurve.NamedCurves.nistP256);
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var writer = new StreamWriter(path, Encoding.ASCII, create);
            writer.Write(key.ExportPkcs8PrivateKeyPem());
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created the key first; the caller loads that one.
        }
    }
}
