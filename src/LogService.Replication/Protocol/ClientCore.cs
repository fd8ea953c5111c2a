using System.Buffers;
using LogService.Replication.Events;
using LogService.Replication.Transport;
using LogService.Replication.Wire;

namespace LogService.Replication.Protocol;

/// <summary>
/// The client side of the invocation protocol, deterministic like the replica core: one operation at a time, sent
/// to every replica, completed by f+1 identical replies (so at least one comes from a correct replica), retransmitted
/// with backoff until then. A read-only operation that does not get f+1 identical replies falls back to an ordered one.
/// </summary>
internal sealed class ClientCore(int clientId, int n, IReplicaHost host, long retransmitMs, ReplicationEventStream? events = null)
{
    private readonly ArrayBufferWriter<byte> writer = new(256);
    private readonly byte[]?[] replies = new byte[n][];
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

    /// <summary>Starts an operation; <paramref name="done"/> runs with the agreed reply.</summary>
    public void Start(byte[] payload, bool readOnly, Action<byte[]> done)
    {
        if (current is not null)
        {
            throw new InvalidOperationException("one operation at a time");
        }

        current = new Operation(payload, done) { ReadOnly = readOnly };
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

        replies[from] = reply.Result;
        var received = 0;
        foreach (var candidate in replies)
        {
            if (candidate is null)
            {
                continue;
            }

            received++;
            if (replies.Count(other => other is not null && other.AsSpan().SequenceEqual(candidate)) > f)
            {
                current = null;
                op.Done(candidate);
                return;
            }
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

    private sealed class Operation(byte[] payload, Action<byte[]> done)
    {
        public byte[] Payload { get; } = payload;

        public Action<byte[]> Done { get; } = done;

        public bool ReadOnly { get; set; }

        public long Sequence { get; set; }

        public long RetryAt { get; set; }

        public int Backoff { get; set; } = 1;
    }
}
