using System.Buffers;
using LogService.Replication.Events;
using LogService.Replication.Transport;
using LogService.Replication.Wire;

namespace LogService.Replication.Protocol;

/// <summary>
/// The client side of the invocation protocol, deterministic like the replica core: one operation at a time, sent
/// to every replica, completed when a quorum of replies from distinct replicas agree (by default f+1 identical ones,
/// so at least one comes from a correct replica), retransmitted with backoff until then. A read-only operation that
/// does not get its quorum from the first n-f replies, or in time, falls back to an ordered one.
/// </summary>
internal sealed class ClientCore(int clientId, int n, IReplicaHost host, long retransmitMs, ReplicationEventStream? events = null)
{
    private readonly ArrayBufferWriter<byte> writer = new(256);
    private readonly byte[]?[] replies = new byte[n][];
    private readonly ReadOnlyMemory<byte>[] agreed = new ReadOnlyMemory<byte>[n];
    private readonly int[] regencies = new int[n];
    private readonly int f = (n - 1) / 3;
    private long nextSequence = Math.Max(1, host.Now * 1000);
    private Operation? current;

    /// <summary>The leader according to f+1 replicas' replies (so at least one correct replica).</summary>
    public int Leader
    {
        get
        {
            var sorted = regencies.OrderByDescending(r => r).ToArray();
            return sorted[f] % n;
        }
    }

    public bool Busy => current is not null;

    public long Deadline => current?.RetryAt ?? long.MaxValue;

    /// <summary>Starts an operation; <paramref name="done"/> runs with the reply f+1 replicas sent identically.</summary>
    public void Start(byte[] payload, bool readOnly, Action<byte[]> done) =>
        Start(payload, readOnly, f + 1, null, quorum => done(quorum[0].Payload));

    /// <summary>
    /// Starts an operation that completes as soon as <paramref name="matching"/> distinct replicas sent replies whose
    /// <paramref name="agreedPart"/> (null: the whole reply) is byte-identical; <paramref name="done"/> runs with exactly
    /// those replies, in replica order. Replies arriving later are not collected. A reply on which
    /// <paramref name="agreedPart"/> throws is ignored, as if a faulty replica had sent garbage.
    /// </summary>
    public void Start(
        byte[] payload, bool readOnly, int matching, Func<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>? agreedPart,
        Action<IReadOnlyList<ReplicaReply>> done)
    {
        if (current is not null)
        {
            throw new InvalidOperationException("one operation at a time");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(matching, f + 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(matching, n - f);
        current = new Operation(payload, matching, agreedPart, done) { ReadOnly = readOnly };
        Issue(current);
    }

    /// <summary>Abandons the current operation (its request may still execute).</summary>
    public void Cancel() => current = null;

    public void OnMessage(int from, ReadOnlySpan<byte> bytes)
    {
        if (!NodeIds.IsReplica(from) || from >= n || current is not { } op)
        {
            return;
        }

        ReplyMessage reply;
        try
        {
            if (MessageCodec.Decode(bytes) is not ReplyMessage r)
            {
                return;
            }

            reply = r;
        }
        catch (WireFormatException)
        {
            return;
        }

        regencies[from] = Math.Max(regencies[from], reply.Regency);
        if (reply.Sequence != op.Sequence || reply.ReadOnly != op.ReadOnly)
        {
            return;
        }

        if (!TryAgreedPart(op, reply.Result, out var part))
        {
            replies[from] = null;
            return;
        }

        replies[from] = reply.Result;
        agreed[from] = part;
        var received = 0;
        var matches = 0;
        for (var r = 0; r < n; r++)
        {
            if (replies[r] is not null)
            {
                received++;
                matches += agreed[r].Span.SequenceEqual(part.Span) ? 1 : 0;
            }
        }

        // Only the group the new reply joined can have just reached the quorum.
        if (matches >= op.Matching)
        {
            current = null;
            op.Done(Quorum(part, op.Matching));
            return;
        }

        if (op.ReadOnly && received >= n - f)
        {
            FallBackToOrdered(op, "read-only replies differ");
        }
    }

    public void Tick()
    {
        if (current is not { } op || host.Now < op.RetryAt)
        {
            return;
        }

        if (op.ReadOnly)
        {
            FallBackToOrdered(op, "read-only replies missing");
            return;
        }

        op.Backoff = Math.Min(op.Backoff * 2, 8);
        Send(op);
    }

    private static bool TryAgreedPart(Operation op, byte[] result, out ReadOnlyMemory<byte> part)
    {
        if (op.AgreedPart is null)
        {
            part = result;
            return true;
        }

        try
        {
            part = op.AgreedPart(result);
            return true;
        }
#pragma warning disable CA1031 // The delegate parses bytes a Byzantine replica chose; whatever it throws, the reply is unusable.
        catch (Exception)
#pragma warning restore CA1031
        {
            part = default;
            return false;
        }
    }

    private List<ReplicaReply> Quorum(ReadOnlyMemory<byte> part, int matching)
    {
        var quorum = new List<ReplicaReply>(matching);
        for (var r = 0; r < n; r++)
        {
            if (replies[r] is { } reply && agreed[r].Span.SequenceEqual(part.Span))
            {
                quorum.Add(new ReplicaReply(r, reply));
            }
        }

        return quorum;
    }

    private void FallBackToOrdered(Operation op, string reason)
    {
        events?.Publish(new ReplicationEvent { Kind = ReplicationEventKind.Timeout, Time = host.Now, Node = clientId, Detail = reason });
        op.ReadOnly = false;
        Issue(op);
    }

    private void Issue(Operation op)
    {
        op.Sequence = nextSequence++;
        op.Backoff = 1;
        Array.Clear(replies);
        Array.Clear(agreed);
        Send(op);
    }

    private void Send(Operation op)
    {
        op.RetryAt = host.Now + (retransmitMs * op.Backoff);
        writer.ResetWrittenCount();
        MessageCodec.Encode(writer, new RequestMessage(clientId, op.Sequence, op.ReadOnly, op.Payload, false));
        for (var r = 0; r < n; r++)
        {
            host.Send(r, writer.WrittenSpan);
        }
    }

    private sealed class Operation(
        byte[] payload, int matching, Func<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>? agreedPart, Action<IReadOnlyList<ReplicaReply>> done)
    {
        public byte[] Payload { get; } = payload;

        public int Matching { get; } = matching;

        public Func<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>? AgreedPart { get; } = agreedPart;

        public Action<IReadOnlyList<ReplicaReply>> Done { get; } = done;

        public bool ReadOnly { get; set; }

        public long Sequence { get; set; }

        public long RetryAt { get; set; }

        public int Backoff { get; set; } = 1;
    }
}
