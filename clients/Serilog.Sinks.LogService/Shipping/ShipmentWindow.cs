using Serilog.Sinks.LogService.Buffer;

namespace Serilog.Sinks.LogService.Shipping;

/// <summary>One batch in flight: what was read, its id, the slot it occupies, and how its sending is going.</summary>
internal sealed class Shipment(BufferBatch batch, string batchId, int slot)
{
    /// <summary>The batch as read from the buffer; once <see cref="Done"/>, its body may already hold the next batch's.</summary>
    public BufferBatch Batch => batch;

    /// <summary>The batch id, the same on every retry.</summary>
    public string BatchId => batchId;

    /// <summary>The window slot: which body buffer holds the batch and which replica it starts at.</summary>
    public int Slot => slot;

    /// <summary>Sending until delivered or rejected; replaced when it failed unexpectedly and is started again.</summary>
    public Task<SendOutcome> Sending { get; set; } = Task.FromResult(new SendOutcome(SendResult.Retry, 0, "not sent yet"));

    /// <summary>The replica of the latest attempt.</summary>
    public Uri? Server { get; set; }

    /// <summary>Delivered, or rejected and in the dead-letter file: nothing more to do but release it in order.</summary>
    public bool Done { get; private set; }

    /// <summary>Marks the batch done; only <see cref="Window.Finish"/> calls this, as it frees the slot at once.</summary>
    public void MarkDone() => Done = true;
}

/// <summary>
/// The batches in flight, oldest first, and the slots they occupy. Each slot has its own body buffer and its own
/// replica: slot <c>i</c> starts at the <c>i</c>-th URL and moves to the next when that one fails, so the window is
/// spread over the replicas and one slot's failover does not move the others. A batch frees its slot as soon as it is
/// done, not when it is released: a slow or failing batch then holds back only its own slot, and the others keep
/// sending while the buffer waits for it. Done batches wait in the window for the ones before them, up to
/// <see cref="TrackedPerSlot"/> times the window in all, which bounds what a restart sends again. Touched by the
/// shipper's loop, except <see cref="ServerOf"/> and <see cref="FailOver"/>, which only the batch occupying the slot
/// calls.
/// </summary>
internal sealed class Window(int size, int servers)
{
    /// <summary>How many batches (sending or done and waiting for an earlier one) the window tracks per slot.</summary>
    public const int TrackedPerSlot = 4;

    private readonly List<Shipment> _shipments = new(size * TrackedPerSlot);
    private readonly bool[] _used = new bool[size];
    private readonly LineBuffer?[] _bodies = new LineBuffer?[size];
    private readonly int[] _server = Enumerable.Range(0, size).Select(slot => slot % servers).ToArray();
    private int _sending;

    /// <summary>The batches in flight, oldest first.</summary>
    public IReadOnlyList<Shipment> Shipments => _shipments;

    /// <summary>True when another batch may be sent: a slot is free and the done batches waiting are within bounds.</summary>
    public bool HasRoom => _sending < size && _shipments.Count < size * TrackedPerSlot;

    /// <summary>True when nothing is in flight.</summary>
    public bool IsEmpty => _shipments.Count == 0;

    /// <summary>The lowest free slot; call only with <see cref="HasRoom"/>.</summary>
    public int FreeSlot() => Array.IndexOf(_used, false);

    /// <summary>The body buffer of <paramref name="slot"/>, free while the slot is.</summary>
    public LineBuffer Body(int slot) => _bodies[slot] ??= new LineBuffer();

    /// <summary>Adds the newest batch in flight and returns how many are being sent now.</summary>
    public int Add(Shipment shipment)
    {
        _used[shipment.Slot] = true;
        _shipments.Add(shipment);
        return ++_sending;
    }

    /// <summary>
    /// Marks <paramref name="shipment"/> done and frees its slot for the next batch; from now on its body buffer
    /// belongs to that batch, so nothing may read the done batch's body any more.
    /// </summary>
    public void Finish(Shipment shipment)
    {
        shipment.MarkDone();
        _used[shipment.Slot] = false;
        _sending--;
    }

    /// <summary>The newest of the done batches at the head (every one before it done too), or null.</summary>
    public Shipment? FinishedAtHead()
    {
        var done = 0;
        while (done < _shipments.Count && _shipments[done].Done)
        {
            done++;
        }

        return done == 0 ? null : _shipments[done - 1];
    }

    /// <summary>Removes the done batches at the head and returns how many events they held.</summary>
    public int RemoveFinishedAtHead()
    {
        var events = 0;
        while (_shipments.Count > 0 && _shipments[0].Done)
        {
            events += _shipments[0].Batch.Count;
            _shipments.RemoveAt(0);
        }

        return events;
    }

    /// <summary>The sending tasks of the batches not done yet.</summary>
    public List<Task> Sending() => [.. _shipments.Where(s => !s.Done).Select(s => (Task)s.Sending)];

    /// <summary>The replica index <paramref name="slot"/> sends to.</summary>
    public int ServerOf(int slot) => Volatile.Read(ref _server[slot]);

    /// <summary>Moves <paramref name="slot"/> from replica <paramref name="failed"/> to the next; returns the new index.</summary>
    public int FailOver(int slot, int failed)
    {
        var next = (failed + 1) % servers;
        Volatile.Write(ref _server[slot], next);
        return next;
    }

    /// <summary>Waits for every sending task to end (they stop when the shipper is cancelled), ignoring how.</summary>
    public async Task StopAsync()
    {
        foreach (var shipment in _shipments)
        {
            try
            {
                await shipment.Sending.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Cancelled or failed: the batch stays recorded as in flight on disk and is sent by the next start.
            }
        }
    }
}
