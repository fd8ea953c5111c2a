using LogService.Core.Replica;

namespace LogService.Server.Hosting;

/// <summary>
/// Who is in the deployment, as this replica's front end sees it: its own id, n and f, and every replica's API URL,
/// public keys and key-service flag. This is the key set clients pin (<c>GET /api/v1/replicas</c>).
/// </summary>
public sealed class ClusterDirectory
{
    /// <summary>Builds the directory of replica <paramref name="selfId"/> from the cluster file.</summary>
    public ClusterDirectory(ClusterFile file, int selfId)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (selfId < 0 || selfId >= file.Replicas.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(selfId), $"replica id {selfId} is not in the cluster file (0..{file.Replicas.Count - 1})");
        }

        SelfId = selfId;
        Replicas = file.Replicas.Select(r => new ReplicaDescriptor(
            r.Id,
            new Uri(r.ApiUrl.TrimEnd('/')),
            Convert.FromBase64String(r.SigningKey),
            Convert.FromBase64String(r.AgreementKey),
            r.KeyService)).ToArray();
        PublicKeys = Replicas.Select(r => new ReplicaPublicKeys(r.Id, r.SigningKey, r.AgreementKey)).ToArray();
    }

    /// <summary>This replica's id.</summary>
    public int SelfId { get; }

    /// <summary>The number of replicas n.</summary>
    public int N => Replicas.Count;

    /// <summary>The number of Byzantine replicas tolerated, f = (n-1)/3.</summary>
    public int F => (N - 1) / 3;

    /// <summary>Every replica, in id order.</summary>
    public IReadOnlyList<ReplicaDescriptor> Replicas { get; }

    /// <summary>This replica.</summary>
    public ReplicaDescriptor Self => Replicas[SelfId];

    /// <summary>Whether this replica hosts the stream key service T.</summary>
    public bool IsKeyService => Self.KeyService;

    /// <summary>The first replica that hosts the key service T.</summary>
    public ReplicaDescriptor KeyService => Replicas.First(r => r.KeyService);

    /// <summary>Every replica's statement-signing and key-agreement keys, in id order, as the key service wraps secrets to them.</summary>
    public IReadOnlyList<ReplicaPublicKeys> PublicKeys { get; }
}

/// <summary>One replica in the directory.</summary>
/// <param name="Id">The replica id.</param>
/// <param name="ApiUrl">Its API base URL.</param>
/// <param name="SigningKey">Verifies its commit statements (SubjectPublicKeyInfo).</param>
/// <param name="AgreementKey">Stream secrets are wrapped to it (SubjectPublicKeyInfo).</param>
/// <param name="KeyService">Whether it hosts the key service T.</param>
public sealed record ReplicaDescriptor(int Id, Uri ApiUrl, byte[] SigningKey, byte[] AgreementKey, bool KeyService);
