using System.Text.Json;
using System.Text.Json.Serialization;

namespace LogService.Server.Hosting;

/// <summary>
/// The deployment's public description, the same file on every replica: each replica's id, replication endpoint,
/// API URL, public keys and whether it hosts the key service T. Private keys never appear here; each replica keeps
/// its own in <see cref="ReplicaSecrets"/>.
/// </summary>
public sealed class ClusterFile
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,

        // Base64 keys stay readable ('+' unescaped); the file is never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The replicas, in id order (ids 0..n-1).</summary>
    public List<ClusterReplica> Replicas { get; set; } = [];

    /// <summary>Reads and checks a cluster file.</summary>
    /// <exception cref="InvalidDataException">The file is not a usable cluster description.</exception>
    public static ClusterFile Load(string path)
    {
        ClusterFile? file;
        try
        {
            file = JsonSerializer.Deserialize<ClusterFile>(File.ReadAllText(path), Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not a cluster file: {ex.Message}", ex);
        }

        if (file is null)
        {
            throw new InvalidDataException($"{path} is empty");
        }

        file.Validate(path);
        return file;
    }

    /// <summary>Writes the file.</summary>
    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    private void Validate(string path)
    {
        if (Replicas.Count < 4)
        {
            throw new InvalidDataException($"{path}: a cluster needs at least 4 replicas (n = 3f+1, f >= 1); it lists {Replicas.Count}");
        }

        for (var i = 0; i < Replicas.Count; i++)
        {
            var replica = Replicas[i];
            if (replica.Id != i)
            {
                throw new InvalidDataException($"{path}: replicas must be listed in id order 0..n-1; position {i} holds id {replica.Id}");
            }

            if (string.IsNullOrEmpty(replica.ReplicationEndPoint) || !System.Net.IPEndPoint.TryParse(replica.ReplicationEndPoint, out _))
            {
                throw new InvalidDataException($"{path}: replica {i} needs a replicationEndPoint (address:port)");
            }

            if (!Uri.TryCreate(replica.ApiUrl, UriKind.Absolute, out _))
            {
                throw new InvalidDataException($"{path}: replica {i} needs an absolute apiUrl");
            }

            foreach (var (name, value) in new[] { ("consensusKey", replica.ConsensusKey), ("signingKey", replica.SigningKey), ("agreementKey", replica.AgreementKey), ("clientKey", replica.ClientKey) })
            {
                if (!IsBase64(value))
                {
                    throw new InvalidDataException($"{path}: replica {i} needs {name} (base64 SubjectPublicKeyInfo)");
                }
            }
        }

        if (!Replicas.Any(r => r.KeyService))
        {
            throw new InvalidDataException($"{path}: no replica is marked keyService: true (the key service T must run somewhere)");
        }
    }

    private static bool IsBase64(string value)
    {
        Span<byte> scratch = stackalloc byte[512];
        return value.Length > 0 && Convert.TryFromBase64String(value, scratch, out _);
    }
}

/// <summary>One replica as every other party knows it.</summary>
public sealed class ClusterReplica
{
    /// <summary>The replica id.</summary>
    public int Id { get; set; }

    /// <summary>Where its replication transport listens (<c>address:port</c>).</summary>
    public string ReplicationEndPoint { get; set; } = "";

    /// <summary>Its HTTP API base URL.</summary>
    public string ApiUrl { get; set; } = "";

    /// <summary>ECDSA P-256 key of its consensus messages and transport handshakes (SubjectPublicKeyInfo, base64).</summary>
    public string ConsensusKey { get; set; } = "";

    /// <summary>ECDSA P-256 key of its commit statements: receipts and certified heads (SubjectPublicKeyInfo, base64).</summary>
    public string SigningKey { get; set; } = "";

    /// <summary>ECDH P-256 key stream secrets are wrapped to (SubjectPublicKeyInfo, base64).</summary>
    public string AgreementKey { get; set; } = "";

    /// <summary>ECDSA P-256 key its front end's replication clients authenticate with (SubjectPublicKeyInfo, base64).</summary>
    public string ClientKey { get; set; } = "";

    /// <summary>Whether it hosts the stream key service T.</summary>
    public bool KeyService { get; set; }
}
