using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LogService.Testing;

namespace LogService.Server.Tests.SystemTests;

/// <summary>
/// Writers of several tenants, one per (tenant, format) and each with a stream of its own, shipping numbered batches
/// over HTTP the way a sink does: every batch has a batch id, and a batch whose answer is lost (the replica died,
/// no quorum in time) is sent again with the same id to the next replica until it has a receipt.
/// </summary>
internal sealed class WriterFleet
{
    private static readonly IngestFormat[] Formats = [IngestFormat.Native, IngestFormat.Clef, IngestFormat.SerilogHttp, IngestFormat.Otlp];
    private readonly LocalCluster _cluster;
    private readonly IReadOnlyList<string> _tenants;
    private readonly int _batchSize;
    private long _written;

    public WriterFleet(LocalCluster cluster, IReadOnlyList<string> tenants, int batchSize)
    {
        _cluster = cluster;
        _tenants = tenants;
        _batchSize = batchSize;
    }

    /// <summary>Every stream the fleet writes, <c>{tenant}/{format}</c>.</summary>
    public static IReadOnlyList<string> StreamsOf(IEnumerable<string> tenants) => [.. tenants.SelectMany(t => Formats.Select(f => StreamOf(t, f)))];

    /// <summary>Entries acknowledged so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Every receipt, by stream, in the order the batches were written.</summary>
    public ConcurrentDictionary<string, List<JsonElement>> Receipts { get; } = new(StringComparer.Ordinal);

    /// <summary>Writes at least <paramref name="entries"/> entries, spread evenly over the writers, and returns when all are acknowledged.</summary>
    public async Task WriteAsync(long entries, CancellationToken cancellationToken)
    {
        var writers = _tenants.SelectMany(t => Formats.Select(f => (Tenant: t, Format: f))).ToList();
        var batchesPerWriter = (int)Math.Ceiling(entries / (double)(writers.Count * _batchSize));
        await Task.WhenAll(writers.Select((w, i) => Task.Run(() => RunWriterAsync(w.Tenant, w.Format, i % _cluster.Count, batchesPerWriter, cancellationToken), cancellationToken)));
    }

    private static string StreamOf(string tenant, IngestFormat format) => $"{tenant}/{format.ToString().ToLowerInvariant()}";

    private async Task RunWriterAsync(string tenant, IngestFormat format, int firstReplica, int batches, CancellationToken cancellationToken)
    {
        var stream = StreamOf(tenant, format);
        var receipts = Receipts.GetOrAdd(stream, _ => []);
        var clients = new HttpClient?[_cluster.Count];
        var replica = firstReplica;
        try
        {
            for (var b = 0; b < batches; b++)
            {
                var batchId = $"{format}-{b}".ToLowerInvariant();
                var batch = SampleBatches.Create(format, _batchSize, (long)b * _batchSize, batchId);
                for (var attempt = 0; ; attempt++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var http = clients[replica] ??= await _cluster.CreateClientAsync($"{tenant}-writer", replica, cancellationToken);
                    if (await TrySendAsync(http, stream, batch, batchId, cancellationToken) is { } receipt)
                    {
                        receipts.Add(receipt);
                        Interlocked.Add(ref _written, _batchSize);
                        break;
                    }

                    // Lost answer or no quorum: same batch, same id, next replica.
                    Assert.True(attempt < 40, $"{stream} batch {b} found no replica to take it");
                    replica = (replica + 1) % _cluster.Count;
                    await Task.Delay(250, cancellationToken);
                }
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                client?.Dispose();
            }
        }
    }

    /// <summary>The receipt, or null when the batch must be sent again; any other answer fails the test.</summary>
    private static async Task<JsonElement?> TrySendAsync(HttpClient http, string stream, SampleBatch batch, string batchId, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/streams/{stream}{batch.Path}") { Content = batch.ToContent() };
            request.Headers.Add("X-LogService-Batch-Id", batchId);
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway)
            {
                return null;
            }

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{stream} {batchId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }
}
