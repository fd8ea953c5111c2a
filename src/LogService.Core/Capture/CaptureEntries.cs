using System.Collections.Immutable;
using System.Globalization;
using LogService.Core.Entries;
using LogService.Replication.Events;

namespace LogService.Core.Capture;

/// <summary>Turns replication events into entry drafts for <see cref="ProtocolCapture.StreamId"/>: one template per kind, the facts as properties.</summary>
internal static class CaptureEntries
{
    public static EntryDraft InstanceSummary(InstanceTally tally, long executedAt, long commands) => Draft(
        EntryLevel.Information,
        "Instance {Instance} decided: leader {Leader}, {WriteCount} WRITEs and {AcceptCount} ACCEPTs",
        executedAt,
        [
            Prop("Instance", Number(tally.Instance)),
            Prop("Regency", Number(tally.Regency)),
            Prop("Leader", Number(tally.Leader)),
            Prop("Digest", LogValue.String(Convert.ToHexStringLower(tally.Digest))),
            Prop("Commands", Number(commands)),
            Prop("WriteCount", Number(tally.Writes.Count)),
            Prop("AcceptCount", Number(tally.Accepts.Count)),
            Prop("Propose", Senders(tally.Propose)),
            Prop("Write", Senders(tally.Writes)),
            Prop("Accept", Senders(tally.Accepts)),
            Prop("DecidedAt", Number(tally.DecidedAt)),
            Prop("ExecutedAt", Number(executedAt)),
        ]);

    public static EntryDraft Protocol(ReplicationEvent e) => e.Kind switch
    {
        ReplicationEventKind.LeaderChanged => Draft(EntryLevel.Warning, "Leader changed: {Detail}", e.Time, Common(e)),
        ReplicationEventKind.Timeout => Draft(EntryLevel.Warning, "Timeout: {Detail}", e.Time, Common(e)),
        ReplicationEventKind.Suspicion => Draft(EntryLevel.Warning, "Suspicion: {Detail}", e.Time, Common(e)),
        ReplicationEventKind.Checkpoint => Draft(EntryLevel.Information, "Checkpoint at instance {Instance}", e.Time,
            [.. Common(e), Prop("Digest", LogValue.String(Convert.ToHexStringLower(e.Digest.Span)))]),
        ReplicationEventKind.StateTransferStarted => Draft(EntryLevel.Warning, "State transfer started at instance {Instance}: {Detail}", e.Time, Common(e)),
        ReplicationEventKind.StateTransferCompleted => Draft(EntryLevel.Information, "State transfer completed at instance {Instance}: {Detail}", e.Time, Common(e)),
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.Kind, "not a protocol event the capture records on its own"),
    };

    public static EntryDraft Misbehaviour(ReplicationEvent e, byte[]? accusedKey)
    {
        var properties = new List<LogProperty>(Common(e))
        {
            Prop("Accused", Number(e.From)),
            Prop("Misbehaviour", LogValue.String(e.Misbehaviour.ToString())),
            Prop("Evidence", LogValue.Array([.. e.Evidence.Select(b => LogValue.String(Convert.ToBase64String(b)))])),
        };
        if (accusedKey is not null)
        {
            properties.Add(Prop("AccusedKey", LogValue.String(Convert.ToBase64String(accusedKey))));
        }

        return Draft(EntryLevel.Error, "Replica {Accused} misbehaved: {Misbehaviour}", e.Time, properties);
    }

    /// <summary>Adds the capture's own bookkeeping (folded capture instances, losses) to an entry, when there is any.</summary>
    public static EntryDraft WithCounters(EntryDraft draft, long foldedInstances, long droppedEntries, long droppedEvents)
    {
        var extra = new List<LogProperty>();
        if (foldedInstances > 0)
        {
            extra.Add(Prop("CaptureInstancesFolded", Number(foldedInstances)));
        }

        if (droppedEntries > 0)
        {
            extra.Add(Prop("CaptureEntriesDropped", Number(droppedEntries)));
        }

        if (droppedEvents > 0)
        {
            extra.Add(Prop("EngineEventsDropped", Number(droppedEvents)));
        }

        return extra.Count == 0 ? draft : draft with { Body = draft.Body with { Properties = draft.Body.Properties.AddRange(extra) } };
    }

    private static List<LogProperty> Common(ReplicationEvent e) =>
    [
        Prop("Reporter", Number(e.Node)),
        Prop("Instance", Number(e.Instance)),
        Prop("Regency", Number(e.Regency)),
        Prop("Detail", e.Detail is null ? LogValue.Null : LogValue.String(e.Detail)),
    ];

    private static EntryDraft Draft(EntryLevel level, string template, long timeMillis, IEnumerable<LogProperty> properties)
    {
        var list = properties.ToImmutableArray();
        return new EntryDraft
        {
            Level = level,
            EventType = EventTypes.FromTemplate(template),
            Body = new EntryBody
            {
                TimestampUnixMicros = timeMillis * 1000,
                MessageTemplate = template,
                RenderedMessage = Render(template, list),
                Properties = list,
            },
        };
    }

    private static string Render(string template, ImmutableArray<LogProperty> properties)
    {
        var text = template;
        foreach (var (name, value) in properties)
        {
            text = text.Replace("{" + name + "}", value.Kind == LogValueKind.String ? value.Text : value.ToString(), StringComparison.Ordinal);
        }

        return text;
    }

    private static LogValue Senders(IEnumerable<(int Replica, long Time)> senders) =>
        LogValue.Array([.. senders.Select(s => LogValue.Object([Prop("Replica", Number(s.Replica)), Prop("Time", Number(s.Time))]))]);

    private static LogProperty Prop(string name, LogValue value) => new(name, value);

    private static LogValue Number(long value) => LogValue.Number(value.ToString(CultureInfo.InvariantCulture));
}
