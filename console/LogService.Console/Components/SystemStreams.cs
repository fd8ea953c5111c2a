namespace LogService.Console.Components;

/// <summary>
/// The service-written streams the Protocol and Audit views read, and the property names of their entries that
/// the views filter and highlight by.
/// </summary>
internal static class SystemStreams
{
    public const string Protocol = "_system/bft";
    public const string ProtocolEventProperty = "Event";
    public const string ProtocolReplicaProperty = "Replica";
    public const string AuditName = "_audit";
    public const string AuditOutcomeProperty = "Outcome";
    public const string AuditDenied = "denied";

    public static readonly string[] ProtocolEventTypes =
    [
        "LeaderChanged", "Misbehaviour", "Suspicion", "Timeout", "Checkpoint", "Decided", "Executed",
        "StateTransferStarted", "StateTransferCompleted", "MessageSent", "MessageReceived", "EventsDropped",
    ];

    /// <summary>Events a reviewer should not miss: a new leader, or a replica caught misbehaving.</summary>
    public static bool StandsOut(string? eventType) => eventType is "LeaderChanged" or "Misbehaviour";

    public static string AuditStream(string tenant) => $"{tenant}/{AuditName}";
}
