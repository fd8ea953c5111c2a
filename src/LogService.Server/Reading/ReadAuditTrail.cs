using System.Threading.Channels;
using LogService.Core.Policies;
using Microsoft.Extensions.Options;

namespace LogService.Server.Reading;

/// <summary>
/// Every read and every denial, queued without blocking the request and written to the tenant's audit stream by a
/// background loop. The queue is bounded: when the audit stream cannot keep up, new records are dropped and counted
/// (<see cref="Dropped"/>), never allowed to slow or fail reads.
/// </summary>
internal sealed partial class ReadAuditTrail : BackgroundService
{
    private const int MaxBatch = 256;
    private readonly Channel<ReadAuditRecord> _queue;
    private readonly IReadAuditWriter _writer;
    private readonly TimeProvider _time;
    private readonly ILogger<ReadAuditTrail> _log;
    private long _dropped;
    private long _written;

    public ReadAuditTrail(IOptions<ReadOptions> options, TimeProvider time, ILogger<ReadAuditTrail> log, IReadAuditWriter writer)
    {
        _queue = Channel.CreateBounded<ReadAuditRecord>(new BoundedChannelOptions(options.Value.AuditQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
        }, _ => Interlocked.Increment(ref _dropped));
        _writer = writer;
        _time = time;
        _log = log;
    }

    /// <summary>Records that could not be written (queue full, or the audit stream refused them).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Records written to audit streams.</summary>
    public long Written => Interlocked.Read(ref _written);

    public void Record(LogPrincipal caller, string tenant, string operation, string target, PolicyDecision decision, string detail)
    {
        var record = new ReadAuditRecord(tenant, $"{caller.Tenant}/{caller.User}", operation, target, decision.Allowed,
            decision.DecidedBy.ToString(), detail, _time.GetUtcNow().ToUnixTimeMilliseconds() * 1000);
        _queue.Writer.TryWrite(record);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<ReadAuditRecord>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var record))
                {
                    batch.Add(record);
                }

                foreach (var group in batch.GroupBy(r => r.Tenant, StringComparer.Ordinal))
                {
                    await WriteAsync(group.Key, [.. group], stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what is still queued is counted as dropped.
            Interlocked.Add(ref _dropped, _queue.Reader.Count);
        }
    }

    private async Task WriteAsync(string tenant, IReadOnlyList<ReadAuditRecord> records, CancellationToken cancellationToken)
    {
        try
        {
            await _writer.AppendAsync(tenant, records, cancellationToken);
            Interlocked.Add(ref _written, records.Count);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var dropped = Interlocked.Add(ref _dropped, records.Count);
            LogAuditWriteFailed(_log, records.Count, tenant, dropped, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not append {Count} audit records to {Tenant}/_audit; {Dropped} dropped so far")]
    private static partial void LogAuditWriteFailed(ILogger logger, int count, string tenant, long dropped, Exception exception);
}
