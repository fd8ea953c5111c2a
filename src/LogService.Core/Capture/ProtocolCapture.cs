using LogService.Core.Commands;
using LogService.Replication.Events;

namespace LogService.Core.Capture;

/// <summary>
/// Event-driven capture of the BFT protocol (issue #5 §6): subscribes to a replica's <see cref="ReplicationEventStream"/>
/// and logs what it sees into the system stream <see cref="StreamId"/> through ordinary ordered appends, so the record
/// is sealed and replicated like any other stream and correct replicas stay identical. Per executed instance one entry
/// summarizes the quorum (who sent PROPOSE, WRITE and ACCEPT, and when); leader changes, timeouts, suspicions,
/// checkpoints and state transfers get one entry each; misbehaviour entries carry the signed messages (base64) so an
/// equivocation can be proven offline with <see cref="MisbehaviourProof"/>.
/// </summary>
/// <remarks>
/// Instances that ordered only capture appends are folded into a counter (<c>CaptureInstancesFolded</c>) on the next
/// entry instead of being summarized, and a fold alone never triggers a submission, so the capture cannot sustain
/// itself. Entries are submitted one append command at a time, at most every <see cref="ProtocolCaptureOptions.FlushInterval"/>
/// or when <see cref="ProtocolCaptureOptions.MaxEntriesPerBatch"/> are waiting; beyond <see cref="ProtocolCaptureOptions.MaxPendingEntries"/>
/// entries are dropped and the count is recorded on the next entry. The stream itself is created by the host.
/// </remarks>
public sealed class ProtocolCapture : IAsyncDisposable
{
    /// <summary>The system tenant.</summary>
    public const string Tenant = "_system";

    /// <summary>The capture stream's id.</summary>
    public const string StreamId = "_system/bft";

    private readonly EventSubscription _subscription;
    private readonly CaptureAggregator _aggregator;
    private readonly ProtocolCaptureOptions _options;
    private readonly Func<LogCommand, CancellationToken, Task> _submit;
    private readonly WriterIdentity _writer;
    private readonly SemaphoreSlim _flushSignal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly Task _reading;
    private readonly Task _flushing;

    private ProtocolCapture(ReplicationEventStream events, int replicaId, Func<LogCommand, CancellationToken, Task> submit, Func<long, bool> isCaptureOnly, ProtocolCaptureOptions options)
    {
        _options = options;
        _submit = submit;
        _writer = SystemStreams.ServiceWriter(Tenant, $"replica-{replicaId}", "bft-capture");
        _aggregator = new CaptureAggregator(options, isCaptureOnly);
        _subscription = events.Subscribe(options.SubscriptionCapacity);
        _reading = Task.Run(ReadAsync);
        _flushing = Task.Run(FlushLoopAsync);
    }

    /// <summary>Entries captured so far (submitted or waiting).</summary>
    public long Captured
    {
        get
        {
            lock (_gate)
            {
                return _aggregator.TotalEntries;
            }
        }
    }

    /// <summary>Entries and engine events lost to the bounds or to failed submissions.</summary>
    public long Dropped
    {
        get
        {
            lock (_gate)
            {
                return _aggregator.TotalDropped + _subscription.Dropped;
            }
        }
    }

    /// <summary>Instances that ordered only capture appends, folded into counters instead of summarized.</summary>
    public long Folded
    {
        get
        {
            lock (_gate)
            {
                return _aggregator.TotalFolded;
            }
        }
    }

    /// <summary>Starts capturing.</summary>
    /// <param name="events">The replica's engine event stream.</param>
    /// <param name="replicaId">This replica's id: the capture's appends name it as their source node.</param>
    /// <param name="submit">Orders a command through the replication engine (the host's gateway) and completes when it is executed.</param>
    /// <param name="isCaptureOnly">Whether an executed instance ordered only capture appends: pass <see cref="Replica.LogCoreStateMachine.IsCaptureOnly"/>.</param>
    /// <param name="options">Batching and bounds; defaults when null.</param>
    public static ProtocolCapture Start(ReplicationEventStream events, int replicaId, Func<LogCommand, CancellationToken, Task> submit, Func<long, bool> isCaptureOnly, ProtocolCaptureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(submit);
        ArgumentNullException.ThrowIfNull(isCaptureOnly);
        ArgumentOutOfRangeException.ThrowIfNegative(replicaId);
        return new ProtocolCapture(events, replicaId, submit, isCaptureOnly, options ?? new ProtocolCaptureOptions());
    }

    /// <summary>Submits everything captured so far.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        while (await SubmitOneBatchAsync(cancellationToken).ConfigureAwait(false))
        {
        }
    }

    /// <summary>Stops capturing, submitting what is still pending first.</summary>
    public async ValueTask DisposeAsync()
    {
        _subscription.Dispose();
        await _reading.ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _flushing.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The flush loop ends by cancellation.
        }

        await FlushAsync().ConfigureAwait(false);
        _stop.Dispose();
        _flushSignal.Dispose();
    }

    private async Task ReadAsync()
    {
        await foreach (var e in _subscription.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            bool full;
            lock (_gate)
            {
                _aggregator.Observe(e);
                full = _aggregator.PendingCount >= _options.MaxEntriesPerBatch;
            }

            if (full && _flushSignal.CurrentCount == 0)
            {
                _flushSignal.Release();
            }
        }
    }

    private async Task FlushLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            await _flushSignal.WaitAsync(_options.FlushInterval, _stop.Token).ConfigureAwait(false);
            await SubmitOneBatchAsync(_stop.Token).ConfigureAwait(false);
        }
    }

    private async Task<bool> SubmitOneBatchAsync(CancellationToken cancellationToken)
    {
        List<byte[]> drafts;
        lock (_gate)
        {
            drafts = _aggregator.Take(_options.MaxEntriesPerBatch);
        }

        if (drafts.Count == 0)
        {
            return false;
        }

        var command = new AppendEntriesCommand(StreamId, _writer, Guid.NewGuid().ToString("N"), _options.PermissionMask, [.. drafts]);
        try
        {
            await _submit(command, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The capture must never take the replica down; the loss is counted and recorded on the next entry.
            lock (_gate)
            {
                _aggregator.CountLost(drafts.Count);
            }
        }

        return true;
    }
}
