using LogService.Replication.Events;
using LogService.Replication.Wire;

namespace LogService.Replication.Protocol;

/// <summary>
/// Takes client requests in (answering read-only ones at once and retransmitted ones from the reply cache) and
/// runs request timers: a request not ordered within the timeout is forwarded to the leader; if it is still not
/// ordered after another timeout, this replica suspects the leader when either nothing advanced during that timeout
/// (no instance ordered or executed) or the leader ordered requests this replica received after the forwarding (it
/// skipped this one). A leader that censors
/// a client is thus replaced, while a leader that is working through a backlog in arrival order keeps its place.
/// </summary>
/// <remarks>
/// Suspecting on the timeout alone, as a plain per-request timer does, turns overload into a leader change: once
/// more requests wait than the leader orders within the timeout, every replica suspects it, the new leader inherits
/// the same backlog plus the cost of the change, and the cluster goes from one change to the next without serving.
/// A censoring leader cannot hide behind the backlog rule for longer than the backlog takes to drain: it must either
/// order the request, order later ones (overtaking) or stop ordering (no progress).
/// </remarks>
internal sealed class RequestTimers(ReplicaCore core)
{
    public long Deadline =>
        core.Synced && core.Clients.NextTimer is { } p ? p.TimerStart + core.Config.RequestTimeoutMs : long.MaxValue;

    public void OnRequest(int from, RequestMessage m)
    {
        if (m.ClientId < Transport.NodeIds.FirstClientId || m.Payload.Length > core.Config.MaxRequestBytes)
        {
            core.Misbehaviour(from, MisbehaviourKind.MalformedMessage, $"request from client {m.ClientId} is invalid or too large");
            return;
        }

        if (m.ReadOnly)
        {
            if (!m.Forwarded)
            {
                var result = core.StateMachine.ExecuteReadOnly(m.Payload);
                core.Send(m.ClientId, new ReplyMessage(m.Sequence, true, core.Regency, result));
            }

            return;
        }

        var added = core.Clients.Add(m.ClientId, m.Sequence, m.Payload, core.Now);
        if (added == ClientTable.AddResult.AlreadyExecuted && !m.Forwarded &&
            core.Clients.LastReply(m.ClientId) is (var seq, { } reply) && seq == m.Sequence)
        {
            core.Send(m.ClientId, new ReplyMessage(seq, false, core.Regency, reply));
        }
    }

    public void Tick()
    {
        var now = core.Now;
        var timeout = core.Config.RequestTimeoutMs;
        while (core.Synced && core.Clients.NextTimer is { } p && now - p.TimerStart >= timeout)
        {
            core.Clients.Restart(p, now);
            if (!p.Forwarded)
            {
                core.Publish(ReplicationEventKind.Timeout, detail: $"request {p.ClientId}/{p.Sequence} not ordered, forwarded to the leader");
                p.Forwarded = true;
                p.ForwardedAt = now;
                if (!core.IsLeader)
                {
                    core.Send(core.Leader, new RequestMessage(p.ClientId, p.Sequence, false, p.Payload, Forwarded: true));
                }

                continue;
            }

            var patience = StallPatience(timeout, core.Clients.RecentProgressGap);
            var stalled = now - core.Clients.LastProgressAt >= patience;
            var overtaken = core.Clients.LatestOrderedArrival > p.ForwardedAt;
            if (stalled || overtaken)
            {
                core.Publish(ReplicationEventKind.Timeout, detail: $"request {p.ClientId}/{p.Sequence} not ordered after forwarding");
                core.LeaderChange.Suspect(stalled
                    ? $"request {p.ClientId}/{p.Sequence} not ordered after forwarding, and nothing ordered or executed for {now - core.Clients.LastProgressAt} ms (recent gaps up to {core.Clients.RecentProgressGap:0} ms)"
                    : $"request {p.ClientId}/{p.Sequence} not ordered after forwarding, while requests received later were");
                return;
            }
        }
    }

    /// <summary>
    /// How long the ordering may stand still before the leader is suspected: the request timeout, or four times the
    /// longest recent gap between advances if that is longer (a host too loaded to advance every timeout is slow,
    /// not faulty), but never more than ten timeouts, so a leader cannot buy itself unbounded time by slowing down.
    /// </summary>
    internal static long StallPatience(long timeout, double recentGap) =>
        Math.Min(10 * timeout, Math.Max(timeout, (long)(4 * recentGap)));
}
