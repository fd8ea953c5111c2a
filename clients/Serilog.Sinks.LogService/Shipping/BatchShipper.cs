using System.Globalization;
using Serilog.Debugging;
using Serilog.Sinks.LogService.Buffer;

namespace Serilog.Sinks.LogService.Shipping;

/// <summary>
/// The background task that empties the buffer. It keeps up to <see cref="LogServiceSinkOptions.MaxBatchesInFlight"/>
/// batches in flight: each is read in buffer order, recorded on disk as in flight, and sent on its own until a
/// replica returns a valid receipt (failing over between replicas, backing off with jitter) or rejects it for good
/// (then it goes to the dead-letter file). The read position moves past a batch only when it and every batch before
/// it is done, so a crash never loses an event. The batch id is the buffer's source id and the batch's sequence
/// range, so a retry, even from the next process after a crash, reuses it and the service deduplicates.
/// </summary>
internal sealed class BatchShipper : IAsyncDisposable
{
    private readonly DurableBuffer _buffer;
    private readonly BatchSender _sender;
    private readonly DeadLetterFile _deadLetters;
    private readonly LogServiceSinkOptions _options;
    private readonly Uri[] _servers;
    private readonly CancellationTokenSource _abort = new();
    private readonly Window _window;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private int _appendedSinceWake;
    private volatile bool _draining;
    private long _delivered;
    private long _deliveredBatches;
    private long _deadLettered;
    private long _released;
    private long _failedAttempts;
    private int _mostInFlight;

    public BatchShipper(DurableBuffer buffer, BatchSender sender, DeadLetterFile deadLetters, LogServiceSinkOptions options)
    {
        _buffer = buffer;
        _sender = sender;
        _deadLetters = deadLetters;
        _options = options;
        _servers = options.ServerUrls.Select(u => u.AbsoluteUri.EndsWith('/') ? u : new Uri(u.AbsoluteUri + "/")).ToArray();
        _window = new Window(options.MaxBatchesInFlight, _servers.Length);
    }

    /// <summary>Events delivered with a valid receipt since start.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Requests delivered with a valid receipt since start: <see cref="Delivered"/> over this is the events per request.</summary>
    public long DeliveredBatches => Interlocked.Read(ref _deliveredBatches);

    /// <summary>Events moved to the dead-letter file since start.</summary>
    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    /// <summary>Events the buffer has released (delivered or dead-lettered, and every event before them too) since start.</summary>
    public long Released => Interlocked.Read(ref _released);

    /// <summary>Attempts to send a batch that failed and were retried (errors, timeouts, invalid receipts) since start.</summary>
    public long FailedAttempts => Interlocked.Read(ref _failedAttempts);

    /// <summary>Most batches that were in flight at once since start.</summary>
    public int MostInFlight => Volatile.Read(ref _mostInFlight);

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
                // Stopped while waiting: the batches in flight stay recorded on disk.
            }
        }

        _abort.Dispose();
    }

    private void Wake()
    {
        Interlocked.Exchange(ref _appendedSinceWake, 0);
        _wake.TrySetResult();
    }

    /// <summary>True (and re-armed) when a wake-up came since the last look.</summary>
    private bool TakeWake()
    {
        if (!_wake.Task.IsCompleted)
        {
            return false;
        }

        _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return true;
    }

    private async Task RunAsync()
    {
        var cancellation = _abort.Token;
        var readAfter = 0L; // Environment.TickCount64 before which no partial batch is read (events gather for a period)
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                if (TakeWake())
                {
                    readAfter = 0;
                }

                try
                {
                    Release();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // The disk refused the dead letter or the position: keep the batches and try again later.
                    SelfLog.WriteLine("LogService sink: recording finished batches failed: {0}", ex);
                    await Task.Delay(_options.MaximumBackoff, cancellation).ConfigureAwait(false);
                    continue;
                }

                var exhausted = false;
                while (_window.HasRoom && (_draining || Environment.TickCount64 >= readAfter))
                {
                    var shipment = ReadNext(cancellation);
                    if (shipment is null)
                    {
                        exhausted = true;
                        readAfter = Environment.TickCount64 + (long)_options.Period.TotalMilliseconds;
                        break;
                    }

                    if (shipment.Batch.Count < _options.BatchSizeLimit)
                    {
                        // A partial batch: give events a period to gather (or a full batch to arrive) before the next.
                        readAfter = Environment.TickCount64 + (long)_options.Period.TotalMilliseconds;
                    }
                }

                if (_draining && exhausted && _window.IsEmpty)
                {
                    return;
                }

                await WaitAsync(readAfter, cancellation).ConfigureAwait(false);
            }
        }
        finally
        {
            await _window.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Reads the next batch, records it as in flight and starts sending it; null when there is none.</summary>
    private Shipment? ReadNext(CancellationToken cancellation)
    {
        var slot = _window.FreeSlot();
        BufferBatch? batch;
        try
        {
            batch = _buffer.ReadBatch(_options.BatchSizeLimit, _options.BatchBytesLimit, _window.Body(slot));
            if (batch is null)
            {
                return null;
            }

            _buffer.MarkInFlight(batch);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing is sent that is not recorded as in flight; the batch is read again next time.
            SelfLog.WriteLine("LogService sink: reading the buffer failed: {0}", ex.Message);
            return null;
        }

        var shipment = new Shipment(batch, $"{_buffer.SourceId}:{batch.FirstSequence}-{batch.LastSequence}", slot);
        shipment.Sending = SendUntilDoneAsync(shipment, TimeSpan.Zero, cancellation);
        var count = _window.Add(shipment);
        if (count > _mostInFlight)
        {
            Volatile.Write(ref _mostInFlight, count);
        }

        return shipment;
    }

    /// <summary>
    /// Settles every batch whose sending has finished (dead-lettering a rejected one, sending again one that failed
    /// unexpectedly), then commits the finished batches at the head of the window, oldest first.
    /// </summary>
    private void Release()
    {
        foreach (var shipment in _window.Shipments)
        {
            if (shipment.Done || !shipment.Sending.IsCompleted || shipment.Sending.IsCanceled)
            {
                continue;
            }

            if (!shipment.Sending.IsCompletedSuccessfully)
            {
                SelfLog.WriteLine("LogService sink: shipping batch {0} failed: {1}", shipment.BatchId, shipment.Sending.Exception);
                shipment.Sending = SendUntilDoneAsync(shipment, _options.MaximumBackoff, _abort.Token);
                continue;
            }

            var outcome = shipment.Sending.Result;
            if (outcome.Result == SendResult.Rejected)
            {
                _deadLetters.Write(shipment.Batch, shipment.BatchId, shipment.Server!, outcome.Status, outcome.Problem);
                Interlocked.Add(ref _deadLettered, shipment.Batch.Count);
                SelfLog.WriteLine("{0}", string.Create(CultureInfo.InvariantCulture,
                    $"LogService sink: {shipment.Server} rejected batch {shipment.BatchId} ({shipment.Batch.Count} events): {outcome.Reason}; written to {_deadLetters.Path}, continuing with the next batch"));
            }

            _window.Finish(shipment);
        }

        if (_window.FinishedAtHead() is { } last)
        {
            _buffer.Commit(last.Batch.End);
            Interlocked.Add(ref _released, _window.RemoveFinishedAtHead());
        }
    }

    /// <summary>Waits until a batch in flight finishes or, with room for another, a full batch is waiting or the read delay passes.</summary>
    private async Task WaitAsync(long readAfter, CancellationToken cancellation)
    {
        var waits = _window.Sending();
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        if (_window.HasRoom)
        {
            waits.Add(_wake.Task);
            if (!_draining)
            {
                var delay = Math.Max(1, readAfter - Environment.TickCount64);
                waits.Add(Task.Delay(TimeSpan.FromMilliseconds(delay), timer.Token));
            }
        }

        await Task.WhenAny(waits).ConfigureAwait(false);
        await timer.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>Sends one batch, failing over and backing off, until it is delivered or rejected for good.</summary>
    private async Task<SendOutcome> SendUntilDoneAsync(Shipment shipment, TimeSpan firstDelay, CancellationToken cancellation)
    {
        if (firstDelay > TimeSpan.Zero)
        {
            await Task.Delay(firstDelay, cancellation).ConfigureAwait(false);
        }

        var batch = shipment.Batch;
        for (var failures = 0; ; failures++)
        {
            var index = _window.ServerOf(shipment.Slot);
            var server = _servers[index];
            shipment.Server = server;
            var outcome = await _sender.SendAsync(server, batch, shipment.BatchId, cancellation).ConfigureAwait(false);
            switch (outcome.Result)
            {
                case SendResult.Delivered:
                    Interlocked.Add(ref _delivered, batch.Count);
                    Interlocked.Increment(ref _deliveredBatches);
                    return outcome;
                case SendResult.Rejected:
                    return outcome;
                default:
                    Interlocked.Increment(ref _failedAttempts);
                    var delay = Backoff.Delay(failures, _options.MinimumBackoff, _options.MaximumBackoff, outcome.RetryAfter, Random.Shared);
                    if (outcome.TryAnotherReplica)
                    {
                        index = _window.FailOver(shipment.Slot, index);
                    }

                    SelfLog.WriteLine("{0}", string.Create(CultureInfo.InvariantCulture,
                        $"LogService sink: batch {shipment.BatchId} to {server} failed ({outcome.Reason}); retry {failures + 1} in {delay.TotalMilliseconds:0} ms at {_servers[index]}"));
                    await Task.Delay(delay, cancellation).ConfigureAwait(false);
                    break;
            }
        }
    }
}
