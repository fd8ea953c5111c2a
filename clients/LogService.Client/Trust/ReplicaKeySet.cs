using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LogService.Client.Trust;

/// <summary>One replica as a client pins it.</summary>
/// <param name="Id">The replica's id, as signatures name it.</param>
/// <param name="Url">Where the replica serves the API.</param>
/// <param name="SigningKey">Its statement-signing key, SubjectPublicKeyInfo (ECDSA P-256).</param>
/// <param name="AgreementKey">Its key-agreement key, SubjectPublicKeyInfo, when published.</param>
/// <param name="KeyService">True when this replica hosts the key service.</param>
public sealed record PinnedReplica(int Id, string Url, byte[] SigningKey, byte[]? AgreementKey, bool KeyService);

/// <summary>
/// The replica signing keys a client trusts, with n and f (the <c>GET /api/v1/replicas</c> document). Verifying
/// against a pinned set means no single replica, nor one that lies about the set later, can forge a receipt.
/// </summary>
public sealed class ReplicaKeySet : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Dictionary<int, ECDsa> _keys;

    /// <summary>Checks and pins a key set: n ≥ 3f+1, n replicas with distinct ids, every signing key an ECDSA P-256 SPKI.</summary>
    public ReplicaKeySet(int n, int f, IReadOnlyList<PinnedReplica> replicas)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        if (f < 0 || n < (3 * f) + 1)
        {
            throw new FormatException($"a replica set of n={n} cannot tolerate f={f} faults (n must be at least 3f+1)");
        }

        if (replicas.Count != n)
        {
            throw new FormatException($"the key set lists {replicas.Count} replicas but n={n}");
        }

        _keys = [];
        try
        {
            foreach (var replica in replicas)
            {
                if (_keys.ContainsKey(replica.Id))
                {
                    throw new FormatException($"replica {replica.Id} appears twice in the key set");
                }

                _keys.Add(replica.Id, ImportP256(replica));
            }
        }
        catch
        {
            Dispose();
            throw;
        }

        N = n;
        F = f;
        Replicas = replicas;
    }

    /// <summary>How many replicas there are.</summary>
    public int N { get; }

    /// <summary>How many may be faulty.</summary>
    public int F { get; }

    /// <summary>The pinned replicas, in the order given.</summary>
    public IReadOnlyList<PinnedReplica> Replicas { get; }

    /// <summary>Signatures a receipt needs: f+1.</summary>
    public int ReceiptQuorum => F + 1;

    /// <summary>Signatures a certified head needs: 2f+1.</summary>
    public int CertifiedQuorum => (2 * F) + 1;

    /// <summary>Reads the <c>GET /api/v1/replicas</c> document.</summary>
    public static ReplicaKeySet Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        Document? document;
        try
        {
            document = JsonSerializer.Deserialize<Document>(json, Json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not a replica key set: {e.Message}", e);
        }

        if (document?.Replicas is null)
        {
            throw new FormatException("not a replica key set: 'replicas' is missing");
        }

        return new ReplicaKeySet(document.N, document.F, document.Replicas);
    }

    /// <summary>Reads a key set saved to a file (the <c>GET /api/v1/replicas</c> document).</summary>
    public static ReplicaKeySet Load(string path) => Parse(File.ReadAllText(path));

    /// <summary>
    /// Fetches the key set from a replica. This trusts that replica once: pin the result (save it with
    /// <see cref="ToJson"/>) rather than fetching it again on every start.
    /// </summary>
    public static async Task<ReplicaKeySet> FetchAsync(HttpClient http, Uri replica, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(replica);
        using var response = await http.GetAsync(new Uri(replica, "api/v1/replicas"), cancellationToken).ConfigureAwait(false);
        await ProblemException.ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
        return Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The key set as a <c>GET /api/v1/replicas</c> document, for pinning in a file.</summary>
    public string ToJson() => JsonSerializer.Serialize(new Document(N, F, [.. Replicas]), Json);

    /// <summary>The replica's signing key, or null when <paramref name="id"/> is not pinned.</summary>
    internal ECDsa? SigningKeyOf(int id) => _keys.GetValueOrDefault(id);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }
    }

    private static ECDsa ImportP256(PinnedReplica replica)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(replica.SigningKey ?? [], out var read);
            if (read != replica.SigningKey!.Length || key.KeySize != 256 || key.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                throw new FormatException($"replica {replica.Id}'s signing key is not an ECDSA P-256 key");
            }

            return key;
        }
        catch (CryptographicException e)
        {
            key.Dispose();
            throw new FormatException($"replica {replica.Id}'s signing key is not a SubjectPublicKeyInfo: {e.Message}", e);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private sealed record Document(
        [property: JsonPropertyName("n")] int N,
        [property: JsonPropertyName("f")] int F,
        [property: JsonPropertyName("replicas")] List<PinnedReplica> Replicas);
}
