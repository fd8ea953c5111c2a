using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace LogService.Testing;

/// <summary>
/// A real LogService deployment for tests: n replica processes of the built server on loopback (free ports, a
/// temporary data folder, ports from <see cref="LoopbackPorts"/>, fresh keys, SQLite stores) and one local client-credentials issuer process per tenant,
/// with tenants and clients from a generated policy folder.
/// </summary>
/// <remarks>
/// <para>Typical use, one cluster per test class (<c>IAsyncLifetime</c> or an xunit class fixture):</para>
/// <code>
/// await using var cluster = await LocalCluster.StartAsync();
/// using var http = await cluster.CreateClientAsync("acme-writer", replica: 1);
/// var response = await http.PostAsync("/api/v1/streams/acme/app/entries", content);
/// await cluster.KillAsync(2);        // kill -9
/// await cluster.RestartAsync(2);     // same data folder, same keys; waits until ready
/// </code>
/// <para>By default there are two tenants, <c>acme</c> and <c>globex</c>, each with clients <c>T-writer</c>,
/// <c>T-reader</c>, <c>T-auditor</c>, <c>T-admin</c> and <c>T-operator</c> (secret: the id plus <c>-secret</c>), and
/// the streams <c>acme/app</c> and <c>globex/app</c> exist once <see cref="StartAsync"/> returns; see
/// <see cref="LocalClusterOptions"/>. Replica 0 hosts the key service (streams are created there).</para>
/// <para>The server must be built (the project reference builds it in the same configuration); set
/// <c>LOGSERVICE_SERVER_DLL</c> to use another build. The processes exit with the test process even if it crashes.</para>
/// </remarks>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly LocalClusterOptions _options;
    private readonly ServerProcess?[] _replicas;
    private readonly List<ServerProcess> _issuers = [];
    private readonly Dictionary<string, Uri> _issuerUrls;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private LocalCluster(LocalClusterOptions options, string directory, Dictionary<string, Uri> issuerUrls)
    {
        _options = options;
        Directory = directory;
        _issuerUrls = issuerUrls;
        _replicas = new ServerProcess?[options.Replicas];
        Clients = options.EffectiveClients;
    }

    /// <summary>The temporary folder holding everything (policies, deployment, stores).</summary>
    public string Directory { get; }

    /// <summary>The policy folder every replica and issuer reads.</summary>
    public string PolicyDirectory => Path.Combine(Directory, "policies");

    /// <summary>The deployment's cluster file (public keys, endpoints).</summary>
    public string ClusterFile => Path.Combine(Directory, "deployment", "cluster.json");

    /// <summary>Each replica's API base URL, by replica id.</summary>
    public IReadOnlyList<Uri> ReplicaUrls { get; private set; } = [];

    /// <summary>The issuer clients, with their secrets.</summary>
    public IReadOnlyList<TestClient> Clients { get; }

    /// <summary>The built server assembly the processes run (see the remarks for how it is found).</summary>
    public static string ServerAssembly => ServerProcess.ServerAssembly;

    /// <summary>The number of replicas n.</summary>
    public int Count => _replicas.Length;

    /// <summary>Starts the deployment and waits until every replica is ready and the configured streams exist.</summary>
    public static async Task<LocalCluster> StartAsync(LocalClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalClusterOptions();
        var directory = System.IO.Directory.CreateTempSubdirectory("logservice-cluster-").FullName;
        var issuerPort = LoopbackPorts.Block(options.Tenants.Count);
        var issuers = options.Tenants.Select((t, i) => (t.Id, Url: new Uri($"http://127.0.0.1:{issuerPort + i}")))
            .ToDictionary(t => t.Id, t => t.Url, StringComparer.Ordinal);
        var cluster = new LocalCluster(options, directory, issuers);
        try
        {
            await cluster.StartCoreAsync(cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The issuer URL of <paramref name="tenant"/> (its token endpoint is <c>/token</c>).</summary>
    public Uri IssuerUrl(string tenant) => _issuerUrls[tenant];

    /// <summary>The SQLite store of replica <paramref name="replica"/> (compare it only after <see cref="StopAsync"/>).</summary>
    public string StorePath(int replica) => Path.Combine(Directory, "deployment", $"replica-{replica}", "log.db");

    /// <summary>Whether replica <paramref name="replica"/>'s process runs.</summary>
    public bool IsRunning(int replica) => _replicas[replica] is { HasExited: false };

    /// <summary>The CPU time replica <paramref name="replica"/>'s current process has used.</summary>
    public TimeSpan CpuTime(int replica) => _replicas[replica]?.CpuTime ?? TimeSpan.Zero;

    /// <summary>Gets an access token for <paramref name="clientId"/> from its tenant's issuer.</summary>
    /// <param name="clientId">One of <see cref="Clients"/>.</param>
    /// <param name="scope">The scopes to ask for (space-separated); default all the client may have.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<string> GetTokenAsync(string clientId, string? scope = null, CancellationToken cancellationToken = default)
    {
        var client = Clients.FirstOrDefault(c => c.Id == clientId) ?? throw new ArgumentException($"no client {clientId}", nameof(clientId));
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        if (scope is not null)
        {
            form["scope"] = scope;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_issuerUrls[client.Tenant], "/token")) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{client.Id}:{client.Secret}")));
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
        return body.GetProperty("access_token").GetString()!;
    }

    /// <summary>An HTTP client for replica <paramref name="replica"/>'s API, without credentials.</summary>
    public HttpClient CreateClient(int replica = 0) => new() { BaseAddress = ReplicaUrls[replica], Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>An HTTP client for replica <paramref name="replica"/>'s API carrying a token of <paramref name="clientId"/>.</summary>
    public async Task<HttpClient> CreateClientAsync(string clientId, int replica = 0, CancellationToken cancellationToken = default)
    {
        var http = CreateClient(replica);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await GetTokenAsync(clientId, null, cancellationToken).ConfigureAwait(false));
        return http;
    }

    /// <summary>Kills replica <paramref name="replica"/> with SIGKILL (kill -9): no shutdown code runs.</summary>
    public async Task KillAsync(int replica)
    {
        if (_replicas[replica] is { } process)
        {
            await process.KillAsync().ConfigureAwait(false);
            await process.DisposeAsync().ConfigureAwait(false);
            _replicas[replica] = null;
        }
    }

    /// <summary>Stops replica <paramref name="replica"/> gracefully.</summary>
    public async Task StopReplicaAsync(int replica)
    {
        if (_replicas[replica] is { } process)
        {
            await process.DisposeAsync().ConfigureAwait(false);
            _replicas[replica] = null;
        }
    }

    /// <summary>Starts replica <paramref name="replica"/> again on its data folder (after a kill or stop) and waits until it is ready.</summary>
    public async Task RestartAsync(int replica, CancellationToken cancellationToken = default)
    {
        await StopReplicaAsync(replica).ConfigureAwait(false);
        StartReplica(replica);
        await WaitReadyAsync([replica], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops every replica gracefully (the data stays until disposal), e.g. to compare their stores.</summary>
    public async Task StopAsync()
    {
        await Task.WhenAll(Enumerable.Range(0, _replicas.Length).Select(StopReplicaAsync)).ConfigureAwait(false);
    }

    /// <summary>Stops every process and deletes the folder (unless <see cref="LocalClusterOptions.KeepData"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await Task.WhenAll(_issuers.Select(i => i.DisposeAsync().AsTask())).ConfigureAwait(false);
        _http.Dispose();
        if (!_options.KeepData)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open; the temporary folder is cleaned up by the system.
            }
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        TestPolicyFolder.Write(PolicyDirectory, _options.Tenants, _issuerUrls, Clients, _options.Quota);
        var replicas = _options.Replicas.ToString(CultureInfo.InvariantCulture);
        var apiPort = LoopbackPorts.Block(_options.Replicas).ToString(CultureInfo.InvariantCulture);
        var replicationPort = LoopbackPorts.Block(_options.Replicas).ToString(CultureInfo.InvariantCulture);
        await using (var init = ServerProcess.Start("init",
            ["init", "--data", Path.GetDirectoryName(ClusterFile)!, "--replicas", replicas, "--api-port", apiPort, "--replication-port", replicationPort],
            _options.Output, watchParent: false))
        {
            await init.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }

        using (var file = JsonDocument.Parse(await File.ReadAllTextAsync(ClusterFile, cancellationToken).ConfigureAwait(false)))
        {
            ReplicaUrls = [.. file.RootElement.GetProperty("replicas").EnumerateArray().Select(r => new Uri(r.GetProperty("apiUrl").GetString()!))];
        }

        foreach (var (tenant, url) in _issuerUrls)
        {
            _issuers.Add(ServerProcess.Start($"issuer {tenant}",
            [
                "issuer", "--urls", url.ToString().TrimEnd('/'),
                "--LogService:Policies:Directory", PolicyDirectory,
                "--LogService:LocalIssuer:DataDirectory", Path.Combine(Directory, $"issuer-{tenant}"),
                "--Logging:LogLevel:Default", "Warning",
            ], _options.Output));
        }

        for (var i = 0; i < _replicas.Length; i++)
        {
            StartReplica(i);
        }

        await WaitReadyAsync(Enumerable.Range(0, _replicas.Length), cancellationToken).ConfigureAwait(false);
    }

    private void StartReplica(int id)
    {
        var arguments = new List<string>
        {
            "replica", "--cluster", ClusterFile, "--id", id.ToString(CultureInfo.InvariantCulture), "--policies", PolicyDirectory,
            "--Logging:LogLevel:Default", "Warning", "--Logging:LogLevel:LogService", "Information",
        };
        for (var s = 0; s < _options.Streams.Count; s++)
        {
            arguments.AddRange([$"--LogService:Bootstrap:Streams:{s}", _options.Streams[s]]);
        }

        foreach (var (key, value) in _options.ServerSettings.Concat(_options.ReplicaSettings.GetValueOrDefault(id) ?? new Dictionary<string, string>()))
        {
            arguments.AddRange([$"--{key}", value]);
        }

        _replicas[id] = ServerProcess.Start($"replica {id}", arguments, _options.Output);
    }

    private async Task WaitReadyAsync(IEnumerable<int> replicas, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.ReadyTimeout);
        var pending = replicas.ToList();
        try
        {
            foreach (var id in pending)
            {
                await PollAsync(() => IsReadyAsync(id, deadline.Token), id, deadline.Token).ConfigureAwait(false);
            }

            // The configured streams exist on each of these replicas (stream creation is ordered, so they all get them).
            foreach (var stream in _options.Streams)
            {
                var tenant = stream[..stream.IndexOf('/', StringComparison.Ordinal)];
                var client = Clients.FirstOrDefault(c => c.Tenant == tenant);
                if (client is null)
                {
                    continue;
                }

                var token = await GetTokenAsync(client.Id, null, deadline.Token).ConfigureAwait(false);
                foreach (var id in pending)
                {
                    await PollAsync(() => StreamExistsAsync(id, stream, token, deadline.Token), id, deadline.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"replicas {string.Join(", ", pending)} were not ready within {_options.ReadyTimeout.TotalSeconds:0} s{Environment.NewLine}{Describe(pending)}");
        }
    }

    /// <summary>What the given replicas' processes last printed, and whether they still run.</summary>
    public string Describe(IEnumerable<int> replicas) =>
        string.Join(Environment.NewLine, replicas.Select(r => _replicas[r]?.Describe() ?? $"replica {r} is stopped"));

    private async Task PollAsync(Func<Task<bool>> check, int replica, CancellationToken cancellationToken)
    {
        while (!await check().ConfigureAwait(false))
        {
            if (_replicas[replica] is not { HasExited: false })
            {
                throw new InvalidOperationException($"replica {replica} exited while starting{Environment.NewLine}{Describe([replica])}");
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> IsReadyAsync(int replica, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(ReplicaUrls[replica], "/readyz"), cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private async Task<bool> StreamExistsAsync(int replica, string stream, string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(ReplicaUrls[replica], $"/api/v1/streams/{stream}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
