using System.Runtime.InteropServices;
using LogService.Server.Streams;

namespace LogService.Server.Hosting;

/// <summary>
/// The embedded default (<c>LogService.Server local</c>, what <c>./build.sh run</c> starts): four replica processes
/// on loopback with their SQLite stores under one data folder, the local issuer in this process, and a demo stream.
/// Ctrl-C stops everything; starting again resumes the same deployment (same keys, same streams, same entries).
/// </summary>
internal static class LocalDeployment
{
    private const int Replicas = 4;
    private const string Host = "127.0.0.1";
    private const int IssuerPort = 5080;
    private const int ApiPortBase = 5081;
    private const int ReplicationPortBase = 7081;
    private const string DemoStream = "local/demo";

    public static async Task<int> RunAsync(string dataDirectory, string policyDirectory)
    {
        var data = Path.GetFullPath(dataDirectory);
        var policies = Path.GetFullPath(policyDirectory);
        if (!Directory.Exists(policies))
        {
            throw new ArgumentException($"the policy folder {policies} does not exist");
        }

        var clusterFile = ClusterProvisioning.CreateIfMissing(data, Replicas, Host, ApiPortBase, ReplicationPortBase, keyServiceReplica: 0);
        var cluster = ClusterFile.Load(clusterFile);
        using var stop = new CancellationTokenSource();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        var issuer = ServerCommands.RunIssuerAsync(
        [
            "--urls", $"http://{Host}:{IssuerPort}",
            "--LogService:Policies:Directory", policies,
            "--LogService:LocalIssuer:DataDirectory", Path.Combine(data, "local-issuer"),
            "--Logging:LogLevel:Default", "Warning",
        ], stop.Token);
        var children = Enumerable.Range(0, Replicas).Select(id => ChildReplica.Start(id,
        [
            "replica", "--cluster", clusterFile, "--id", id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--policies", policies, "--watch-parent",
            "--Logging:LogLevel:Default", "Warning",
            "--Logging:LogLevel:LogService", "Information",
            $"--{StreamBootstrapOptions.Section}:Streams:0", DemoStream,
        ])).ToArray();

        try
        {
            if (await WaitUntilReadyAsync(cluster, stop.Token).ConfigureAwait(false))
            {
                Console.Out.WriteLine(Instructions(cluster));
            }

            await Task.WhenAny(Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default), issuer).ConfigureAwait(false);
        }
        finally
        {
            Console.Out.WriteLine("stopping the replicas ...");
            await Task.WhenAll(children.Select(c => c.DisposeAsync().AsTask())).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            await issuer.ConfigureAwait(false);
            Console.Out.WriteLine($"stopped; the data stays in {data}");
        }

        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    private static async Task<bool> WaitUntilReadyAsync(ClusterFile cluster, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!cancellationToken.IsCancellationRequested && DateTime.UtcNow < deadline)
        {
            var ready = 0;
            foreach (var replica in cluster.Replicas)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri(replica.ApiUrl + "/readyz"), cancellationToken).ConfigureAwait(false);
                    ready += response.IsSuccessStatusCode ? 1 : 0;
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }
            }

            if (ready == cluster.Replicas.Count)
            {
                return true;
            }

            await Task.Delay(500, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }

        if (!cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("the replicas did not all become ready within 2 minutes; see their output above").ConfigureAwait(false);
        }

        return false;
    }

    private static string Instructions(ClusterFile cluster)
    {
        var api = cluster.Replicas[0].ApiUrl;
        var issuer = $"http://{Host}:{IssuerPort}";
        return $$$"""

            LogService is running: {{{cluster.Replicas.Count}}} replicas, f = {{{(cluster.Replicas.Count - 1) / 3}}}.
              API:          {{{string.Join("  ", cluster.Replicas.Select(r => r.ApiUrl))}}}
              local issuer: {{{issuer}}}   (clients in policies/, e.g. local-writer, local-reviewer)
              key set:      {{{api}}}/api/v1/replicas

            Get a token (writer), write an entry to {{{DemoStream}}}, and read it back (reviewer):

              TOKEN=$(curl -s -u local-writer:local-writer-dev-secret -d grant_type=client_credentials {{{issuer}}}/token | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
              curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/vnd.logservice.batch+json' \
                -d '{"entries":[{"timestamp":"'$(date -u +%FT%TZ)'","level":"Information","messageTemplate":"Hello {Name}","properties":{"Name":"world"}}]}' \
                {{{api}}}/api/v1/streams/{{{DemoStream}}}/entries

              READER=$(curl -s -u local-reviewer:local-reviewer-dev-secret -d grant_type=client_credentials {{{issuer}}}/token | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
              curl -s -H "Authorization: Bearer $READER" '{{{api}}}/api/v1/entries?stream={{{DemoStream}}}'

            Ctrl-C stops everything; the next start resumes the same data.
            """;
    }
}
