using LogService.Core.Entries;
using LogService.Replication.Events;

namespace LogService.Core.Capture;

/// <summary>
/// The capture's bookkeeping, free of threads and clocks so it can be tested event by event: it tallies each
/// instance's PROPOSE/WRITE/ACCEPT senders until the instance executes, then emits one summary entry for it, or,
/// when the instance ordered only capture appends, folds it into a counter carried by the next entry. That fold is
/// what keeps the capture from feeding on itself. Everything it holds is bounded; what it drops it counts.
/// </summary>
internal sealed class CaptureAggregator(int replicaId, ProtocolCaptureOptions options, Func<long, bool> isCaptureOnly)
{
    private readonly Dictionary<long, InstanceTally> _open = [];
    private readonly Queue<byte[]> _pending = new();
    private long _lastExecuted;
    private long _foldedInstances;
    private long _droppedEntries;
    private long _droppedEvents;

    public int PendingCount => _pending.Count;

    public long TotalEntries { get; private set; }

    public long TotalDropped { get; private set; }

    public long TotalFolded { get; private set; }

    public void Observe(ReplicationEvent e)
    {
        switch (e.Kind)
        {
            case ReplicationEventKind.MessageSent or ReplicationEventKind.MessageReceived:
                NoteMessage(e);
                break;
            case ReplicationEventKind.Decided when e.Instance > _lastExecuted:
                var tally = Open(e.Instance);
                tally.DecidedAt = e.Time;
                tally.Digest = e.Digest.ToArray();
                break;
            case ReplicationEventKind.Executed:
                Close(e);
                break;
            case ReplicationEventKind.LeaderChanged or ReplicationEventKind.Timeout or ReplicationEventKind.Suspicion
                or ReplicationEventKind.Checkpoint or ReplicationEventKind.StateTransferStarted or ReplicationEventKind.StateTransferCompleted:
                Emit(CaptureEntries.Protocol(e));
                break;
            case ReplicationEventKind.Misbehaviour:
                Emit(CaptureEntries.Misbehaviour(e, e.From >= 0 && e.From < options.EngineKeys.Count ? options.EngineKeys[e.From] : null));
                break;
            case ReplicationEventKind.EventsDropped:
                _droppedEvents += e.Count;
                TotalDropped += e.Count;
                break;
        }
    }

    /// <summary>Takes up to <paramref name="max"/> encoded drafts, oldest first.</summary>
    public List<byte[]> Take(int max)
    {
        var batch = new List<byte[]>(Math.Min(max, _pending.Count));
        while (batch.Count < max && _pending.TryDequeue(out var draft))
        {
            batch.Add(draft);
        }

        return batch;
    }

    /// <summary>Counts entries that were taken but could not be submitted.</summary>
    public void CountLost(int entries)
    {
        _droppedEntries += entries;
        TotalDropped += entries;
    }

    private void NoteMessage(ReplicationEvent e)
    {
        if (e.Message is not (MessageKind.Propose or MessageKind.Write or MessageKind.Accept) || e.Instance <= _lastExecuted)
        {
            // Late votes for an executed instance are not part of the quorum that decided it.
            return;
        }

        var sender = e.Kind == ReplicationEventKind.MessageSent ? replicaId : e.From;
        var tally = Open(e.Instance);
        tally.Regency = Math.Max(tally.Regency, e.Regency);
        switch (e.Message)
        {
            case MessageKind.Propose:
                tally.Leader = sender;
                InstanceTally.Note(tally.Propose, sender, e.Time);
                break;
            case MessageKind.Write:
                InstanceTally.Note(tally.Writes, sender, e.Time);
                break;
            default:
                InstanceTally.Note(tally.Accepts, sender, e.Time);
                break;
        }
    }

    private InstanceTally Open(long instance)
    {
        if (_open.TryGetValue(instance, out var tally))
        {
            return tally;
        }

        if (_open.Count >= options.MaxOpenInstances)
        {
            _open.Remove(_open.Keys.Min());
            _droppedEntries++;
            TotalDropped++;
        }

        tally = new InstanceTally(instance);
        _open.Add(instance, tally);
        return tally;
    }

    private void Close(ReplicationEvent e)
    {
        _lastExecuted = Math.Max(_lastExecuted, e.Instance);
        var tally = _open.Remove(e.Instance, out var found) ? found : new InstanceTally(e.Instance);
        if (isCaptureOnly(e.Instance))
        {
            _foldedInstances++;
            TotalFolded++;
            return;
        }

        Emit(CaptureEntries.InstanceSummary(tally, e.Time, e.Count));
    }

    private void Emit(EntryDraft draft)
    {
        if (_pending.Count >= options.MaxPendingEntries)
        {
            _droppedEntries++;
            TotalDropped++;
            return;
        }

        _pending.Enqueue(EntryCodec.EncodeDraft(CaptureEntries.WithCounters(draft, _foldedInstances, _droppedEntries, _droppedEvents)));
        (_foldedInstances, _droppedEntries, _droppedEvents) = (0, 0, 0);
        TotalEntries++;
    }
}
