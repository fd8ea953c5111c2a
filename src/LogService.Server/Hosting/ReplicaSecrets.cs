using System.Security.Cryptography;
using System.Text.Json;
using LogService.Core.Replica;

namespace LogService.Server.Hosting;

/// <summary>
/// One replica's private keys, kept in its own data folder (<c>secrets.json</c>, readable by its owner only) and
/// created once, so a restart resumes with the same keys and the stream secrets encrypted at rest stay readable.
/// </summary>
public sealed class ReplicaSecrets
{
    /// <summary>The file name inside a replica's data folder.</summary>
    public const string FileName = "secrets.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Consensus and transport key (PKCS#8, base64).</summary>
    public string ConsensusKey { get; set; } = "";

    /// <summary>Commit-statement signing key (PKCS#8, base64).</summary>
    public string SigningKey { get; set; } = "";

    /// <summary>Stream-secret key-agreement key (PKCS#8, base64).</summary>
    public string AgreementKey { get; set; } = "";

    /// <summary>The front end's replication client key (PKCS#8, base64).</summary>
    public string ClientKey { get; set; } = "";

    /// <summary>Symmetric key protecting the current stream secrets (and, on the key-service replica, each A_0) at rest (32 bytes, base64).</summary>
    public string AtRestKey { get; set; } = "";

    /// <summary>Fresh keys for a new replica.</summary>
    public static ReplicaSecrets Generate()
    {
        using var consensus = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var signing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var agreement = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var client = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new ReplicaSecrets
        {
            ConsensusKey = Convert.ToBase64String(consensus.ExportPkcs8PrivateKey()),
            SigningKey = Convert.ToBase64String(signing.ExportPkcs8PrivateKey()),
            AgreementKey = Convert.ToBase64String(agreement.ExportPkcs8PrivateKey()),
            ClientKey = Convert.ToBase64String(client.ExportPkcs8PrivateKey()),
            AtRestKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
    }

    /// <summary>Reads the secrets of the replica whose data folder is <paramref name="dataDirectory"/>.</summary>
    /// <exception cref="InvalidDataException">The file is missing or unreadable.</exception>
    public static ReplicaSecrets Load(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path} does not exist; provision the replica first (LogService.Server init)");
        }

        try
        {
            return JsonSerializer.Deserialize<ReplicaSecrets>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>Writes the secrets into <paramref name="dataDirectory"/>, creating it, with owner-only permissions.</summary>
    public void Save(string dataDirectory)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dataDirectory);
        }
        else
        {
            Directory.CreateDirectory(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(Path.Combine(dataDirectory, FileName), options);
        JsonSerializer.Serialize(stream, this, Json);
    }

    /// <summary>The public half of every key, as the cluster file lists it.</summary>
    public ClusterReplica PublicPart(int id, string replicationEndPoint, string apiUrl, bool keyService)
    {
        using var consensus = ImportEcdsa(ConsensusKey);
        using var signing = ImportEcdsa(SigningKey);
        using var client = ImportEcdsa(ClientKey);
        using var agreement = ECDiffieHellman.Create();
        agreement.ImportPkcs8PrivateKey(Convert.FromBase64String(AgreementKey), out _);
        return new ClusterReplica
        {
            Id = id,
            ReplicationEndPoint = replicationEndPoint,
            ApiUrl = apiUrl,
            ConsensusKey = Convert.ToBase64String(consensus.ExportSubjectPublicKeyInfo()),
            SigningKey = Convert.ToBase64String(signing.ExportSubjectPublicKeyInfo()),
            AgreementKey = Convert.ToBase64String(agreement.ExportSubjectPublicKeyInfo()),
            ClientKey = Convert.ToBase64String(client.ExportSubjectPublicKeyInfo()),
            KeyService = keyService,
        };
    }

    /// <summary>The Log Core identity (statement signing, key agreement, at-rest key) of replica <paramref name="id"/>.</summary>
    public ReplicaIdentity ToIdentity(int id)
    {
        var agreement = ECDiffieHellman.Create();
        agreement.ImportPkcs8PrivateKey(Convert.FromBase64String(AgreementKey), out _);
        return new ReplicaIdentity(id, ImportEcdsa(SigningKey), agreement, Convert.FromBase64String(AtRestKey));
    }

    private static ECDsa ImportEcdsa(string pkcs8)
    {
        var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(Convert.FromBase64String(pkcs8), out _);
        return key;
    }
}
