using LogService.Replication.Protocol;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace LogService.Server.Hosting;

/// <summary>Which replica this process is and how it runs. Bound from <c>LogService:Replica</c>.</summary>
public sealed class ReplicaOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "LogService:Replica";

    /// <summary>The cluster file (<see cref="Hosting.ClusterFile"/>). Required, no default.</summary>
    [Required]
    public string ClusterFile { get; set; } = "";

    /// <summary>This replica's id in the cluster file. Default 0.</summary>
    [Range(0, 999)]
    public int Id { get; set; }

    /// <summary>
    /// This replica's data folder: its secrets, SQLite store and consensus log. Default: <c>replica-{Id}</c> beside
    /// the cluster file.
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>
    /// Replication clients the front end keeps; each carries one request at a time, so this bounds the requests in
    /// ordering at once. Default 32, at most <see cref="ClientIdsPerReplica"/>.
    /// </summary>
    [Range(1, ClientIdsPerReplica)]
    public int ClientPoolSize { get; set; } = 32;

    /// <summary>
    /// Request bytes this front end lets into ordering at once; more wait here, first come, first served. Bounds the
    /// backlog the replicas hold, so what they order is still wanted when it is done. Default 4 MiB (about one full
    /// consensus instance).
    /// </summary>
    [Range(64 * 1024, 1L << 32)]
    public long MaxBytesInOrdering { get; set; } = 4L << 20;

    /// <summary>
    /// How long a request waits for room (<see cref="MaxBytesInOrdering"/>, a free replication client) before it is
    /// answered 503 with Retry-After, without having been submitted. Default 5 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan AdmissionTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the body of a write admitted on its declared length may take to arrive. Its room in ordering is held
    /// while it arrives, so a slower body is answered 408 and the room handed back; a writer trickling its body cannot
    /// keep everyone else out. Default 10 s (10 MiB at 8 Mbit/s).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan AdmittedBodyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a write waits for its quorum of replies before answering 503. Default 15 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Whether the consensus log is synced to disk on every write (survives power loss). Default true.</summary>
    public bool SyncConsensusLog { get; set; } = true;

    /// <summary>
    /// Whether decided batches execute on a thread of their own while consensus orders the next ones. Default false:
    /// each batch executes on the protocol thread as it is decided (see <c>ReplicationOptions.ExecuteInBackground</c>).
    /// </summary>
    public bool ExecuteInBackground { get; set; }

    /// <summary>A checkpoint (snapshot and state digest) every this many consensus instances. Default 256.</summary>
    [Range(1, int.MaxValue)]
    public int CheckpointPeriod { get; set; } = 256;

    /// <summary>
    /// Byzantine behaviours of this replica's replication engine (<c>LogService:Replica:Faults:Equivocate</c>, …), for
    /// system tests that check the other replicas tolerate a faulty one. All off by default; a replica with any on
    /// says so loudly in its log. Never set in a real deployment.
    /// </summary>
    public FaultInjection Faults { get; set; } = new();

    /// <summary>The replication client ids each replica's front end owns: ids <c>1000 + Id × 256</c> onwards.</summary>
    public const int ClientIdsPerReplica = 256;

    /// <summary>The data folder, with the default applied.</summary>
    public string ResolvedDataDirectory =>
        Path.GetFullPath(DataDirectory ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(ClusterFile)) ?? ".", $"replica-{Id}"));
}

/// <summary>Checks <see cref="ReplicaOptions"/> at startup.</summary>
[OptionsValidator]
internal sealed partial class ReplicaOptionsValidator : IValidateOptions<ReplicaOptions>;
