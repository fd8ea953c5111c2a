using System.Buffers;
using LogService.Replication.Wire;

namespace LogService.Replication.Protocol;

/// <summary>A client request waiting to be ordered.</summary>
internal sealed class PendingRequest(int clientId, long sequence, byte[] payload, long timerStart)
{
    public int ClientId { get; } = clientId;

    public long Sequence { get; } = sequence;

    public byte[] Payload { get; } = payload;

    /// <summary>When this request's timer (re)started.</summary>
    public long TimerStart { get; set; } = timerStart;

    /// <summary>Whether the timer already expired once and the request was forwarded to the leader.</summary>
    public bool Forwarded { get; set; }

    /// <summary>The regency in which this replica, as leader, proposed it (-1: not proposed).</summary>
    public int ProposedInRegency { get; set; } = -1;

    public LinkedListNode<PendingRequest>? Node { get; set; }
}

/// <summary>
/// Per-client replay protection (last executed sequence and its reply) and the pending requests, kept in timer
/// order so the oldest is always first. The executed part is deterministic and belongs to the checkpoint.
/// </summary>
internal sealed class ClientTable
{
    /// <summary>Bound on one client's pending requests, so a flooding client cannot exhaust memory.</summary>
    public const int MaxPendingPerClient = 32;

    private readonly Dictionary<int, ClientRecord> clients = [];
    private readonly LinkedList<PendingRequest> order = new();

    public int PendingCount => order.Count;

    public PendingRequest? Oldest => order.First?.Value;

    public IEnumerable<PendingRequest> Pending => order;

    public enum AddResult
    {
        Added,
        Duplicate,
        AlreadyExecuted,
        Full,
    }

    public AddResult Add(int clientId, long sequence, byte[] payload, long now)
    {
        var c = Get(clientId);
        if (sequence <= c.LastExecuted)
        {
            return AddResult.AlreadyExecuted;
        }

        if (c.Pending.ContainsKey(sequence))
        {
            return AddResult.Duplicate;
        }

        if (c.Pending.Count >= MaxPendingPerClient)
        {
            return AddResult.Full;
        }

        var p = new PendingRequest(clientId, sequence, payload, now);
        p.Node = order.AddLast(p);
        c.Pending.Add(sequence, p);
        return AddResult.Added;
    }

    public long LastExecuted(int clientId) => clients.TryGetValue(clientId, out var c) ? c.LastExecuted : 0;

    /// <summary>The reply to the client's last executed request, when this replica executed it itself since starting.</summary>
    public (long Sequence, byte[]? Reply) LastReply(int clientId) =>
        clients.TryGetValue(clientId, out var c) ? (c.LastExecuted, c.LastReply) : (0, null);

    /// <summary>
    /// Records execution of (client, sequence) and drops that client's pending requests it supersedes. A reply for an
    /// earlier sequence than the one recorded (its execution finished after a later request was ordered) is dropped.
    /// </summary>
    public void MarkExecuted(int clientId, long sequence, byte[]? reply)
    {
        var c = Get(clientId);
        if (sequence < c.LastExecuted)
        {
            return;
        }

        c.LastExecuted = sequence;
        c.LastReply = reply;
        while (c.Pending.Count > 0 && c.Pending.Keys[0] <= sequence)
        {
            var p = c.Pending.Values[0];
            c.Pending.RemoveAt(0);
            order.Remove(p.Node!);
        }
    }

    /// <summary>Restarts a request's timer and moves it to the back of the timer order.</summary>
    public void Restart(PendingRequest p, long now)
    {
        p.TimerStart = now;
        order.Remove(p.Node!);
        order.AddLast(p.Node!);
    }

    /// <summary>Restarts every timer, e.g. after a leader change.</summary>
    public void RestartAll(long now)
    {
        foreach (var p in order)
        {
            p.TimerStart = now;
            p.Forwarded = false;
            p.ProposedInRegency = -1;
        }
    }

    /// <summary>
    /// Writes each client's last executed sequence, sorted by client so all replicas produce identical bytes.
    /// Cached replies stay out: a replica that restored or replayed state does not have them, and digests must match.
    /// </summary>
    public void Serialize(ArrayBufferWriter<byte> w)
    {
        var executed = clients.Where(kv => kv.Value.LastExecuted > 0).OrderBy(kv => kv.Key).ToList();
        w.WriteInt32(executed.Count);
        foreach (var (id, c) in executed)
        {
            w.WriteInt32(id);
            w.WriteInt64(c.LastExecuted);
        }
    }

    /// <summary>Replaces the executed part with a serialized one; pending requests it supersedes are dropped.</summary>
    public void Deserialize(ref SpanReader r)
    {
        var count = r.ReadCount(12);
        var restored = new List<(int, long)>(count);
        for (var i = 0; i < count; i++)
        {
            restored.Add((r.ReadInt32(), r.ReadInt64()));
        }

        foreach (var c in clients.Values)
        {
            c.LastExecuted = 0;
            c.LastReply = null;
        }

        foreach (var (id, seq) in restored)
        {
            MarkExecuted(id, seq, null);
        }
    }

    private ClientRecord Get(int clientId)
    {
        if (!clients.TryGetValue(clientId, out var c))
        {
            c = new ClientRecord();
            clients.Add(clientId, c);
        }

        return c;
    }

    private sealed class ClientRecord
    {
        public long LastExecuted { get; set; }

        public byte[]? LastReply { get; set; }

        public SortedList<long, PendingRequest> Pending { get; } = [];
    }
}
