namespace LogService.Testing;

/// <summary>How a <see cref="LocalCluster"/> is set up. Every property has a working default.</summary>
public sealed class LocalClusterOptions
{
    /// <summary>The audience every tenant's tokens carry. Default <c>https://logservice.test</c>.</summary>
    public const string Audience = "https://logservice.test";

    /// <summary>Number of replicas (n = 3f+1). Default 4.</summary>
    public int Replicas { get; init; } = 4;

    /// <summary>The tenants. Default <c>acme</c> and <c>globex</c>.</summary>
    public IReadOnlyList<TestTenant> Tenants { get; init; } = [new("acme"), new("globex")];

    /// <summary>
    /// The issuer clients. Default, for every tenant T: <c>T-writer</c> (logs.write), <c>T-reader</c> (logs.read),
    /// <c>T-auditor</c> (logs.audit), <c>T-admin</c> (tenant.admin logs.write logs.read) and <c>T-operator</c>
    /// (operator); each client's secret is its id followed by <c>-secret</c>.
    /// </summary>
    public IReadOnlyList<TestClient>? Clients { get; init; }

    /// <summary>Streams created when the cluster starts (besides <c>_system/bft</c>). Default <c>acme/app</c> and <c>globex/app</c>.</summary>
    public IReadOnlyList<string> Streams { get; init; } = ["acme/app", "globex/app"];

    /// <summary>
    /// Per-tenant ingestion limits written to the policy (entries per second and burst); null leaves quotas out
    /// (nothing enforced). Default null.
    /// </summary>
    public (long EntriesPerSecond, long Burst)? Quota { get; init; }

    /// <summary>Extra server settings for every replica, as configuration keys and values (e.g. <c>LogService:Replica:ClientPoolSize</c>).</summary>
    public IReadOnlyDictionary<string, string> ServerSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Extra server settings for single replicas, by replica id, applied after <see cref="ServerSettings"/> (e.g.
    /// <c>LogService:Replica:Faults:Equivocate</c> to make one replica Byzantine).
    /// </summary>
    public IReadOnlyDictionary<int, IReadOnlyDictionary<string, string>> ReplicaSettings { get; init; } = new Dictionary<int, IReadOnlyDictionary<string, string>>();

    /// <summary>Receives every line the replica and issuer processes print (prefixed with their name). Default: dropped.</summary>
    public Action<string>? Output { get; init; }

    /// <summary>Keep the temporary folder (stores, keys, policies) after disposal, for inspection. Default false.</summary>
    public bool KeepData { get; init; }

    /// <summary>
    /// How long start and restart wait for every replica to be ready. Default 180 s: room for four replicas
    /// restarting at once on a 2-core machine busy with other test processes.
    /// </summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(180);

    internal IReadOnlyList<TestClient> EffectiveClients => Clients ?? [.. Tenants.SelectMany(t => new[]
    {
        Client(t, "writer", "logs.write"),
        Client(t, "reader", "logs.read"),
        Client(t, "auditor", "logs.audit"),
        Client(t, "admin", "tenant.admin", "logs.write", "logs.read"),
        Client(t, "operator", "operator"),
    })];

    private static TestClient Client(TestTenant tenant, string role, params string[] scopes) =>
        new($"{tenant.Id}-{role}", $"{tenant.Id}-{role}-secret", tenant.Id, scopes);
}
