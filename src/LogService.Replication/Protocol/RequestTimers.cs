using LogService.Replication.Events;
using LogService.Replication.Wire;

namespace LogService.Replication.Protocol;

/// <summary>
/// Takes client requests in (answering read-only ones at once and retransmitted ones from the reply cache) and
/// runs request timers: a request not ordered within the timeout is forwarded to the leader; if it is still not
/// ordered after another timeout, this replica suspects the leader. A leader that censors a client is thus replaced.
/// </summary>
internal sealed class RequestTimers(ReplicaCore core)
{
    public long Deadline =>
        core.Synced && core.Clients.Oldest is { } p ? p.TimerStart + core.Config.RequestTimeoutMs : long.MaxValue;

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
        while (core.Synced && core.Clients.Oldest is { } p && now - p.TimerStart >= core.Config.RequestTimeoutMs)
        {
            core.Publish(ReplicationEventKind.Timeout, detail: $"request {p.ClientId}/{p.Sequence} not ordered");
            if (!p.Forwarded)
            {
                p.Forwarded = true;
                core.Clients.Restart(p, now);
                if (!core.IsLeader)
                {
                    core.Send(core.Leader, new RequestMessage(p.ClientId, p.Sequence, false, p.Payload, Forwarded: true));
                }

                continue;
            }

            core.Clients.Restart(p, now);
            core.LeaderChange.Suspect($"request {p.ClientId}/{p.Sequence} not ordered after forwarding");
            return;
        }
    }
}
