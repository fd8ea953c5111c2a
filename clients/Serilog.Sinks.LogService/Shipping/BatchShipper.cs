using System.Globalization;
using Serilog.Debugging;
using Serilog.Sinks.LogService.Buffer;

namespace Serilog.Sinks.LogService.Shipping;

/// <summary>
/// The background task that empties the buffer: reads a batch, marks it in flight, sends it until a replica
/// returns a valid receipt (failing over between replicas, backing off with jitter) or rejects it for good (then it
/// goes to the dead-letter file), and moves the read position past it. The batch id is the buffer's source id and
/// the batch's sequence range, so a retry, even from the next process after a crash, reuses it and the service
/// deduplicates.
/// </summary>
internal sealed class BatchShipper : IAsyncDisposable
{
    private readonly DurableBuffer _buffer;
    private readonly BatchSender _sender;
    private readonly DeadLetterFile _deadLetters;
    private readonly LogServiceSinkOptions _options;
    private readonly Uri[] _servers;
    private readonly CancellationTokenSource _abort = new();
    private readonly Random _random = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private int _appendedSinceWake;
    private volatile bool _draining;
    private int _server;

    public BatchShipper(DurableBuffer buffer, BatchSender sender, DeadLetterFile deadLetters, LogServiceSinkOptions options)
    {
        _buffer = buffer;
        _sender = sender;
        _deadLetters = deadLetters;
        _options = options;
        _servers = options.ServerUrls.Select(u => u.AbsoluteUri.EndsWith('/') ? u : new Uri(u.AbsoluteUri + "/")).ToArray();
    }

    /// <summary>Events delivered with a valid receipt since start.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    private long _delivered;

    /// <summary>Events moved to the dead-letter file since start.</summary>
    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    private long _deadLettered;

    /// <summary>Starts the background task.</summary>
    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>Called after each append; wakes the task once a full batch is waiting.</summary>
    public void NotifyAppended()
    {
        if (Interlocked.Increment(ref _appendedSinceWake) >= _options.BatchSizeLimit)
        {
            Wake();
        }
    }

    /// <summary>Ships what is buffered for up to the flush timeout, then stops; the rest stays on disk.</summary>
    public async ValueTask DisposeAsync()
    {
        _draining = true;
        Wake();
        if (_loop is not null)
        {
            if (await Task.WhenAny(_loop, Task.Delay(_options.FlushTimeout)).ConfigureAwait(false) != _loop)
            {
                SelfLog.WriteLine("LogService sink: flush timed out after {0}; undelivered events stay in the buffer for the next start", _options.FlushTimeout);
            }

            await _abort.CancelAsync().ConfigureAwait(false);
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped while waiting or sending: the batch stays in flight on disk.
            }
        }

        _abort.Dispose();
    }

    private void Wake()
    {
        Interlocked.Exchange(ref _appendedSinceWake, 0);
        _wake.TrySetResult();
    }

    private async Task RunAsync()
    {
        var cancellation = _abort.Token;
        while (!cancellation.IsCancellationRequested)
        {
            var wake = _wake;
            BufferBatch? batch;
            try
            {
                batch = _buffer.ReadBatch(_options.BatchSizeLimit, _options.BatchBytesLimit);
            }
            catch (IOException ex)
            {
                SelfLog.WriteLine("LogService sink: reading the buffer failed: {0}", ex.Message);
                batch = null;
            }

            if (batch is null)
            {
                if (_draining)
                {
                    return;
                }

                await Task.WhenAny(wake.Task, Task.Delay(_options.Period, cancellation)).ConfigureAwait(false);
                if (wake.Task.IsCompleted)
                {
                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                continue;
            }

            try
            {
                await DeliverAsync(batch, cancellation).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // E.g. the disk refused the dead letter or the position: keep the batch and try again later.
                SelfLog.WriteLine("LogService sink: shipping batch {0}-{1} failed: {2}", batch.FirstSequence, batch.LastSequence, ex);
                await Task.Delay(_options.MaximumBackoff, cancellation).ConfigureAwait(false);
                continue;
            }

            if (batch.Count < _options.BatchSizeLimit && !_draining)
            {
                // A partial batch: give events a period to gather (or a full batch to arrive) before the next request.
                await Task.WhenAny(wake.Task, Task.Delay(_options.Period, cancellation)).ConfigureAwait(false);
                if (wake.Task.IsCompleted)
                {
                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }
    }

    private async Task DeliverAsync(BufferBatch batch, CancellationToken cancellation)
    {
        _buffer.MarkInFlight(batch);
        var batchId = $"{_buffer.SourceId}:{batch.FirstSequence}-{batch.LastSequence}";
        for (var failures = 0; ; failures++)
        {
            var server = _servers[_server];
            var outcome = await _sender.SendAsync(server, batch, batchId, cancellation).ConfigureAwait(false);
            switch (outcome.Result)
            {
                case SendResult.Delivered:
                    _buffer.Commit(batch.End);
                    Interlocked.Add(ref _delivered, batch.Count);
                    return;
                case SendResult.Rejected:
                    _deadLetters.Write(batch, batchId, server, outcome.Status, outcome.Problem);
                    _buffer.Commit(batch.End);
                    Interlocked.Add(ref _deadLettered, batch.Count);
                    SelfLog.WriteLine("{0}", string.Create(CultureInfo.InvariantCulture,
                        $"LogService sink: {server} rejected batch {batchId} ({batch.Count} events): {outcome.Reason}; written to {_deadLetters.Path}, continuing with the next batch"));
                    return;
                default:
                    var delay = Backoff.Delay(failures, _options.MinimumBackoff, _options.MaximumBackoff, outcome.RetryAfter, _random);
                    if (outcome.TryAnotherReplica)
                    {
                        _server = (_server + 1) % _servers.Length;
                    }

                    SelfLog.WriteLine("{0}", string.Create(CultureInfo.InvariantCulture,
                        $"LogService sink: batch {batchId} to {server} failed ({outcome.Reason}); retry {failures + 1} in {delay.TotalMilliseconds:0} ms at {_servers[_server]}"));
                    await Task.Delay(delay, cancellation).ConfigureAwait(false);
                    break;
            }
        }
    }
}
