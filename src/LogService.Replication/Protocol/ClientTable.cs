using System.Buffers;
using LogService.Replication.Abstractions;
using LogService.Replication.Wire;

namespace LogService.Replication.Protocol;

/// <summary>A client request waiting to be ordered.</summary>
internal sealed class PendingRequest(int clientId, long sequence, byte[] payload, long arrivedAt)
{
    public int ClientId { get; } = clientId;

    public long Sequence { get; } = sequence;

    public byte[] Payload { get; } = payload;

    /// <summary>When this replica received it: the order a correct leader proposes in.</summary>
    public long ArrivedAt { get; } = arrivedAt;

    /// <summary>When this request's timer (re)started.</summary>
    public long TimerStart { get; set; } = arrivedAt;

    /// <summary>Whether the timer already expired once and the request was forwarded to the leader.</summary>
    public bool Forwarded { get; set; }

    /// <summary>When it was forwarded to the leader (valid while <see cref="Forwarded"/>).</summary>
    public long ForwardedAt { get; set; }

    /// <summary>The regency in which this replica, as leader, proposed it (-1: not proposed).</summary>
    public int ProposedInRegency { get; set; } = -1;

    public LinkedListNode<PendingRequest>? ArrivalNode { get; set; }

    public LinkedListNode<PendingRequest>? TimerNode { get; set; }
}

/// <summary>
/// Per-client replay protection (last executed sequence and its reply) and the pending requests, kept both in
/// arrival order (what the leader proposes from, so a backlog is served first come, first served) and in timer order
/// (so the next timer to expire is always first). The executed part is deterministic and belongs to the checkpoint.
/// </summary>
internal sealed class ClientTable
{
    /// <summary>How fast a long gap between advances is forgotten.</summary>
    public const long GapHalfLifeMs = 30_000;

    /// <summary>Bound on one client's pending requests, so a flooding client cannot exhaust memory.</summary>
    public const int MaxPendingPerClient = 32;

    private readonly Dictionary<int, ClientRecord> clients = [];
    private readonly LinkedList<PendingRequest> arrivals = new();
    private readonly LinkedList<PendingRequest> timers = new();

    public int PendingCount => arrivals.Count;

    /// <summary>The pending request whose timer expires first.</summary>
    public PendingRequest? NextTimer => timers.First?.Value;

    /// <summary>The pending requests in the order this replica received them.</summary>
    public IEnumerable<PendingRequest> Pending => arrivals;

    /// <summary>
    /// When this replica last saw the ordering advance: an instance ordered (decided and taken for execution) that
    /// served at least one of its pending requests, or an instance's execution finished (a long execution is work in
    /// progress, not a stalled leader). Instances of nothing but duplicates or requests this replica never received
    /// are no progress.
    /// </summary>
    public long LastProgressAt { get; private set; }

    /// <summary>
    /// The longest recent interval between two progress notes, halving every <see cref="GapHalfLifeMs"/>: how long
    /// this replica has lately had to wait for the ordering to advance even while it was advancing, e.g. on an
    /// overloaded host.
    /// </summary>
    public double RecentProgressGap { get; private set; }

    /// <summary>
    /// The latest arrival, at this replica, among the requests ordered so far that it had pending when they were
    /// ordered. A forwarded request that is still pending while requests received after its forwarding were ordered
    /// has been overtaken: the leader is not serving the backlog in order.
    /// </summary>
    public long LatestOrderedArrival { get; private set; } = long.MinValue;

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
        p.ArrivalNode = arrivals.AddLast(p);
        p.TimerNode = timers.AddLast(p);
        c.Pending.Add(sequence, p);
        return AddResult.Added;
    }

    /// <summary>Notes that an instance with these commands was ordered at <paramref name="now"/>, for the leader's progress checks.</summary>
    public void NoteOrdered(IEnumerable<OrderedCommand> commands, long now)
    {
        foreach (var command in commands)
        {
            if (clients.TryGetValue(command.ClientId, out var c) && c.Pending.TryGetValue(command.Sequence, out var p))
            {
                NoteProgress(now);
                LatestOrderedArrival = Math.Max(LatestOrderedArrival, p.ArrivedAt);
            }
        }
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
            arrivals.Remove(p.ArrivalNode!);
            timers.Remove(p.TimerNode!);
        }
    }

    /// <summary>Notes that an instance finished executing at <paramref name="now"/>.</summary>
    public void NoteExecuted(long now) => NoteProgress(now);

    /// <summary>Restarts a request's timer and moves it to the back of the timer order.</summary>
    public void Restart(PendingRequest p, long now)
    {
        p.TimerStart = now;
        timers.Remove(p.TimerNode!);
        timers.AddLast(p.TimerNode!);
    }

    private void NoteProgress(long now)
    {
        // Time with nothing pending is idleness, not a wait: the gap runs from the later of the last advance and
        // the arrival of the oldest request still waiting.
        var since = Math.Max(LastProgressAt, arrivals.First?.Value.ArrivedAt ?? LastProgressAt);
        var decayed = RecentProgressGap * Math.Pow(0.5, (double)(now - LastProgressAt) / GapHalfLifeMs);
        RecentProgressGap = Math.Max(now - since, decayed);
        LastProgressAt = now;
    }

    /// <summary>Restarts every timer and the progress clock, e.g. after a leader change.</summary>
    public void RestartAll(long now)
    {
        LastProgressAt = now;
        timers.Clear();
        foreach (var p in arrivals)
        {
            p.TimerStart = now;
            p.Forwarded = false;
            p.ProposedInRegency = -1;
            p.TimerNode = timers.AddLast(p);
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

    /// <summary>Moves past a serialized table without reading it into one.</summary>
    public static void Skip(ref SpanReader r)
    {
        var count = r.ReadCount(12);
        r.ReadSpan(count * 12);
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
