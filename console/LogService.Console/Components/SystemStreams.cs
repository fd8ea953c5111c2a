using System.Globalization;
using LogService.Console.Api;
using LogService.Core.Entries;

namespace LogService.Console.Components;

/// <summary>
/// The service-written streams the Protocol and Audit views read, and how their entries are recognised: protocol
/// events by the message template the capture writes them with (its event type is that template's hash), audit
/// records by their properties.
/// </summary>
internal static class SystemStreams
{
    public const string Protocol = "_system/bft";
    public const string ProtocolReplicaProperty = "Reporter";
    public const string AuditName = "_audit";
    public const string AuditOutcomeProperty = "Outcome";
    public const string AuditCallerProperty = "Caller";
    public const string AuditDenied = "denied";
    public const string Decided = "Decided";

    // The templates of the protocol capture's entries, one per kind of event (see docs/architecture.md, "Protocol capture").
    private static readonly Dictionary<string, string> ProtocolTemplates = new(StringComparer.Ordinal)
    {
        [Decided] = "Instance {Instance} decided by {LearntBy}: leader {Leader}, {WriteCount} WRITEs and {AcceptCount} ACCEPTs",
        ["LeaderChanged"] = "Leader changed: {Detail}",
        ["Timeout"] = "Timeout: {Detail}",
        ["Suspicion"] = "Suspicion: {Detail}",
        ["Checkpoint"] = "Checkpoint at instance {Instance}",
        ["StateTransferStarted"] = "State transfer started at instance {Instance}: {Detail}",
        ["StateTransferCompleted"] = "State transfer completed at instance {Instance}: {Detail}",
        ["Misbehaviour"] = "Replica {Accused} misbehaved: {Misbehaviour}",
    };

    public static IEnumerable<string> ProtocolEventTypes => ProtocolTemplates.Keys;

    /// <summary>The API's event type (the template's hash) of a kind of protocol event, for filtering.</summary>
    public static string EventTypeOf(string kind) =>
        "0x" + EventTypes.FromTemplate(ProtocolTemplates[kind]).ToString("X8", CultureInfo.InvariantCulture);

    /// <summary>The kind of a protocol event, from its template; null for anything else.</summary>
    public static string? KindOf(LogEntry entry) =>
        ProtocolTemplates.FirstOrDefault(t => t.Value == entry.Body?.MessageTemplate).Key;

    /// <summary>Events a reviewer should not miss: a new leader, or a replica caught misbehaving.</summary>
    public static bool StandsOut(string? kind) => kind is "LeaderChanged" or "Misbehaviour";

    public static string AuditStream(string tenant) => $"{tenant}/{AuditName}";
}
