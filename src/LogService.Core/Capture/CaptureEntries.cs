using System.Collections.Immutable;
using System.Globalization;
using LogService.Core.Entries;
using LogService.Replication.Events;

namespace LogService.Core.Capture;

/// <summary>Turns replication events into entry drafts for <see cref="ProtocolCapture.StreamId"/>: one template per kind, the facts as properties.</summary>
internal static class CaptureEntries
{
    /// <summary>The summary of one executed instance from the engine's decision event (null when the decision was not seen).</summary>
    public static EntryDraft InstanceSummary(ReplicationEvent? decided, ReplicationEvent executed)
    {
        var votes = decided?.Votes ?? [];
        var writes = votes.Count(v => v.Message == MessageKind.Write);
        var accepts = votes.Count(v => v.Message == MessageKind.Accept);
        return Draft(
            EntryLevel.Information,
            "Instance {Instance} decided by {LearntBy}: leader {Leader}, {WriteCount} WRITEs and {AcceptCount} ACCEPTs",
            executed.Time,
            [
                Prop("Reporter", Number(executed.Node)),
                Prop("Instance", Number(executed.Instance)),
                Prop("Regency", Number(decided?.Regency ?? -1)),
                Prop("Leader", Number(decided?.From ?? -1)),
                Prop("LearntBy", LogValue.String(decided?.Detail ?? "unknown")),
                Prop("Digest", LogValue.String(decided is null ? "" : Convert.ToHexStringLower(decided.Digest.Span))),
                Prop("Commands", Number(executed.Count)),
                Prop("WriteCount", Number(writes)),
                Prop("AcceptCount", Number(accepts)),
                Prop("Propose", Senders(votes, MessageKind.Propose)),
                Prop("Write", Senders(votes, MessageKind.Write)),
                Prop("Accept", Senders(votes, MessageKind.Accept)),
                Prop("DecidedAt", decided is null ? LogValue.Null : Number(decided.Time)),
                Prop("ExecutedAt", Number(executed.Time)),
            ]);
    }

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

    private static LogValue Senders(IReadOnlyList<InstanceVote> votes, MessageKind message) =>
        LogValue.Array([.. votes.Where(v => v.Message == message).Select(v => LogValue.Object([Prop("Replica", Number(v.Replica)), Prop("Time", Number(v.Time))]))]);

    private static LogProperty Prop(string name, LogValue value) => new(name, value);

    private static LogValue Number(long value) => LogValue.Number(value.ToString(CultureInfo.InvariantCulture));
}
