using LogService.Core.Entries;
using LogService.Replication.Events;

namespace LogService.Core.Capture;

/// <summary>
/// The capture's bookkeeping, free of threads and clocks so it can be tested event by event: it keeps each
/// instance's decision (with the engine's PROPOSE/WRITE/ACCEPT votes) until the instance executes, then emits one
/// summary entry for it, or,
/// when the instance ordered only capture appends, folds it into a counter carried by the next entry. That fold is
/// what keeps the capture from feeding on itself. Everything it holds is bounded; what it drops it counts.
/// </summary>
internal sealed class CaptureAggregator(ProtocolCaptureOptions options, Func<long, bool> isCaptureOnly)
{
    private readonly Dictionary<long, ReplicationEvent> _decided = [];
    private readonly Queue<byte[]> _pending = new();
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
            case ReplicationEventKind.Decided:
                NoteDecision(e);
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

    private void NoteDecision(ReplicationEvent e)
    {
        if (_decided.Count >= options.MaxOpenInstances)
        {
            _decided.Remove(_decided.Keys.Min());
            _droppedEntries++;
            TotalDropped++;
        }

        _decided[e.Instance] = e;
    }

    private void Close(ReplicationEvent executed)
    {
        _decided.Remove(executed.Instance, out var decided);
        if (isCaptureOnly(executed.Instance))
        {
            _foldedInstances++;
            TotalFolded++;
            return;
        }

        Emit(CaptureEntries.InstanceSummary(decided, executed));
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
