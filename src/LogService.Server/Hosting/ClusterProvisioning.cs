using System.Net;
using System.Net.Sockets;

namespace LogService.Server.Hosting;

/// <summary>
/// Creates a deployment's files in one folder: <c>cluster.json</c> (public: endpoints, URLs, public keys) and each
/// replica's <c>replica-{id}/secrets.json</c> (private keys). A folder that already holds a cluster is left as it is,
/// so starting again resumes the same deployment with the same keys.
/// </summary>
public static class ClusterProvisioning
{
    /// <summary>The cluster file's name inside a deployment folder.</summary>
    public const string ClusterFileName = "cluster.json";

    /// <summary>Creates the deployment in <paramref name="directory"/> unless one is there; returns the cluster file's path.</summary>
    /// <param name="directory">The deployment folder (created if missing).</param>
    /// <param name="replicas">How many replicas (at least 4).</param>
    /// <param name="host">The address every replica listens on.</param>
    /// <param name="apiPortBase">Replica i's API listens on this port + i; 0 picks free ports.</param>
    /// <param name="replicationPortBase">Replica i's replication transport listens on this port + i; 0 picks free ports.</param>
    /// <param name="keyServiceReplica">The replica that hosts the key service T.</param>
    public static string CreateIfMissing(string directory, int replicas, string host, int apiPortBase, int replicationPortBase, int keyServiceReplica)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 4);
        ArgumentOutOfRangeException.ThrowIfNegative(keyServiceReplica);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(keyServiceReplica, replicas);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(Path.GetFullPath(directory), ClusterFileName);
        if (File.Exists(path))
        {
            ClusterFile.Load(path);
            return path;
        }

        var address = IPAddress.Parse(host);
        var cluster = new ClusterFile();
        for (var id = 0; id < replicas; id++)
        {
            var secrets = ReplicaSecrets.Generate();
            var folder = Path.Combine(directory, $"replica-{id}");
            if (File.Exists(Path.Combine(folder, ReplicaSecrets.FileName)))
            {
                // A half-provisioned folder (interrupted earlier) keeps the keys it already has.
                secrets = ReplicaSecrets.Load(folder);
            }
            else
            {
                secrets.Save(folder);
            }

            var replication = new IPEndPoint(address, replicationPortBase == 0 ? FreePort(address) : replicationPortBase + id);
            var api = new UriBuilder("http", UrlHost(address), apiPortBase == 0 ? FreePort(address) : apiPortBase + id).Uri.ToString().TrimEnd('/');
            cluster.Replicas.Add(secrets.PublicPart(id, replication.ToString(), api, id == keyServiceReplica));
        }

        // Written last and by rename, so a cluster file always describes a complete deployment.
        var temporary = path + ".tmp";
        cluster.Save(temporary);
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    /// <summary>A port nobody listens on right now.</summary>
    public static int FreePort(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static string UrlHost(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
}
