using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using LogService.Server.Streams;

namespace LogService.Server.Hosting;

/// <summary>Where the embedded default listens: the local issuer's port and the first API and replication ports.</summary>
/// <param name="IssuerPort">The local issuer's port; the policy's <c>local</c> tenant must name this issuer.</param>
/// <param name="ApiPortBase">Replica i's API listens on this port + i.</param>
/// <param name="ReplicationPortBase">Replica i's replication transport listens on this port + i.</param>
internal sealed record LocalPorts(int IssuerPort = 5080, int ApiPortBase = 5081, int ReplicationPortBase = 7081);

/// <summary>
/// The embedded default (<c>LogService.Server local</c>, what <c>./build.sh run</c> starts): four replica processes
/// on loopback with their SQLite stores under one data folder, the local issuer in this process, and a demo stream.
/// Ctrl-C (or SIGTERM) stops everything; starting again resumes the same deployment (same keys, streams, entries).
/// The replicas watch this process's pipe to them, so they stop even if this process is killed.
/// </summary>
internal static class LocalDeployment
{
    private const int Replicas = 4;
    private const string Host = "127.0.0.1";
    private const string DemoStream = "local/demo";

    // The development clients of policies/tenants.policy.yaml; their secrets are documented there.
    private const string Writer = "local-writer:local-writer-dev-secret";
    private const string Reviewer = "local-reviewer:local-reviewer-dev-secret";

    public static async Task<int> RunAsync(string dataDirectory, string policyDirectory, LocalPorts ports)
    {
        var data = Path.GetFullPath(dataDirectory);
        var policies = Path.GetFullPath(policyDirectory);
        if (!Directory.Exists(policies))
        {
            throw new ArgumentException($"the policy folder {policies} does not exist");
        }

        // The ports are fixed when the deployment is first created; later starts read them from the cluster file.
        var clusterFile = ClusterProvisioning.CreateIfMissing(data, Replicas, Host, ports.ApiPortBase, ports.ReplicationPortBase, keyServiceReplica: 0);
        var cluster = ClusterFile.Load(clusterFile);
        var issuerUrl = $"http://{Host}:{ports.IssuerPort.ToString(CultureInfo.InvariantCulture)}";
        using var stop = new CancellationTokenSource();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        var issuer = ServerCommands.RunIssuerAsync(
        [
            "--urls", issuerUrl,
            "--LogService:Policies:Directory", policies,
            "--LogService:LocalIssuer:DataDirectory", Path.Combine(data, "local-issuer"),
            "--Logging:LogLevel:Default", "Warning",
        ], stop.Token);
        var children = cluster.Replicas.Select(r => ChildReplica.Start(r.Id,
        [
            "replica", "--cluster", clusterFile, "--id", r.Id.ToString(CultureInfo.InvariantCulture),
            "--policies", policies, "--watch-parent",
            "--Logging:LogLevel:Default", "Warning",
            "--Logging:LogLevel:LogService", "Information",
            $"--{StreamBootstrapOptions.Section}:Streams:0", DemoStream,
        ])).ToArray();

        var exitCode = 0;
        try
        {
            var ready = AnnounceWhenReadyAsync(cluster, issuerUrl, data, stop.Token);
            var replicaExited = Task.WhenAny(children.Select(c => c.Exited));
            var first = await Task.WhenAny(Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default), issuer, replicaExited).ConfigureAwait(false);
            if (first == issuer && !stop.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync($"the local issuer stopped: {issuer.Exception?.GetBaseException().Message ?? "no reason given"}").ConfigureAwait(false);
                exitCode = 1;
            }
            else if (first == replicaExited && !stop.IsCancellationRequested)
            {
                var exited = children.First(c => c.HasExited);
                await Console.Error.WriteLineAsync($"replica {exited.Id} exited with code {exited.ExitCode}; stopping the others").ConfigureAwait(false);
                exitCode = 1;
            }

            await stop.CancelAsync().ConfigureAwait(false);
            await ready.ConfigureAwait(false);
        }
        finally
        {
            Console.Out.WriteLine("stopping the replicas ...");
            await Task.WhenAll(children.Select(c => c.DisposeAsync().AsTask())).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await issuer.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException)
            {
                // Already reported above (e.g. the issuer's port was taken).
            }

            Console.Out.WriteLine($"stopped; the data stays in {data}");
        }

        return exitCode;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>Prints the instructions once every replica is ready and the demo stream exists.</summary>
    private static async Task AnnounceWhenReadyAsync(ClusterFile cluster, string issuerUrl, string data, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!cancellationToken.IsCancellationRequested && DateTime.UtcNow < deadline)
        {
            if (await IsReadyAsync(http, cluster, issuerUrl, cancellationToken).ConfigureAwait(false))
            {
                await Console.Out.WriteLineAsync(Instructions(cluster, issuerUrl, data)).ConfigureAwait(false);
                return;
            }

            await Task.Delay(500, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }

        if (!cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("the replicas did not all become ready within 2 minutes; see their output above").ConfigureAwait(false);
        }
    }

    private static async Task<bool> IsReadyAsync(HttpClient http, ClusterFile cluster, string issuerUrl, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var replica in cluster.Replicas)
            {
                using var response = await http.GetAsync(new Uri(replica.ApiUrl + "/readyz"), cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    return false;
                }
            }

            // The key-service replica creates the demo stream once the group answers; the instructions write to it.
            using var tokenRequest = new HttpRequestMessage(HttpMethod.Post, new Uri(issuerUrl + "/token"))
            {
                Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
            };
            tokenRequest.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Reviewer)));
            using var tokenResponse = await http.SendAsync(tokenRequest, cancellationToken).ConfigureAwait(false);
            if (!tokenResponse.IsSuccessStatusCode)
            {
                return false;
            }

            using var token = System.Text.Json.JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            using var streamRequest = new HttpRequestMessage(HttpMethod.Get, new Uri($"{cluster.Replicas[^1].ApiUrl}/api/v1/streams/{DemoStream}"));
            streamRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.RootElement.GetProperty("access_token").GetString());
            using var stream = await http.SendAsync(streamRequest, cancellationToken).ConfigureAwait(false);
            return stream.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static string Instructions(ClusterFile cluster, string issuer, string data)
    {
        var api = cluster.Replicas[0].ApiUrl;
        return $$$"""

            LogService is running: {{{cluster.Replicas.Count}}} replicas (f = {{{(cluster.Replicas.Count - 1) / 3}}}), data in {{{data}}}
              API:          {{{string.Join("  ", cluster.Replicas.Select(r => r.ApiUrl))}}}
              local issuer: {{{issuer}}}   (clients in policies/tenants.policy.yaml: local-writer, local-reviewer)
              key set:      {{{api}}}/api/v1/replicas      OpenAPI: {{{api}}}/openapi/v1.json

            Get a writer token, write an entry to {{{DemoStream}}}, get a reviewer token and read it back:

              TOKEN=$(curl -s -u {{{Writer}}} -d grant_type=client_credentials {{{issuer}}}/token | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
              curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/vnd.logservice.batch+json' -d '{"entries":[{"timestamp":"'"$(date -u +%FT%TZ)"'","level":"Information","messageTemplate":"Hello {Name}","properties":{"Name":"world"}}]}' {{{api}}}/api/v1/streams/{{{DemoStream}}}/entries
              READER=$(curl -s -u {{{Reviewer}}} -d grant_type=client_credentials {{{issuer}}}/token | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
              curl -s -H "Authorization: Bearer $READER" '{{{api}}}/api/v1/entries?stream={{{DemoStream}}}&limit=5'

            Ctrl-C stops everything; the next start resumes the same data.
            """;
    }
}
