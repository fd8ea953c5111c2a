using System.Globalization;
using System.Text.Json.Nodes;
using LogService.Console.Api;

namespace LogService.Console.Components;

/// <summary>
/// How long one consensus instance took at the replica that reported it, in the phases of the protocol: from the
/// leader's PROPOSE to a quorum of WRITEs, from there to a quorum of ACCEPTs, and from there to execution.
/// </summary>
public sealed record QuorumTiming(long Instance, DateTimeOffset At, long ToWriteQuorum, long ToAcceptQuorum, long ToExecution)
{
    /// <summary>The timing of a captured instance summary, or null when its votes do not reach both quorums.</summary>
    /// <param name="entry">An entry of the protocol stream of kind Decided.</param>
    /// <param name="quorum">How many votes make a quorum: 2f+1 of n = 3f+1 replicas.</param>
    public static QuorumTiming? Of(LogEntry entry, int quorum)
    {
        var p = entry.Body?.Properties;
        if (p is null || Times(p["Propose"]) is not [var propose, ..])
        {
            return null;
        }

        var writes = Times(p["Write"]);
        var accepts = Times(p["Accept"]);
        if (writes.Count < quorum || accepts.Count < quorum || Number(p["ExecutedAt"]) is not { } executed)
        {
            return null;
        }

        var written = writes[quorum - 1];
        var accepted = Math.Max(accepts[quorum - 1], written);
        return new QuorumTiming(Number(p["Instance"]) ?? -1, entry.Timestamp,
            Math.Max(0, written - propose), accepted - written, Math.Max(0, executed - accepted));
    }

    private static List<long> Times(JsonNode? votes) =>
        [.. (votes as JsonArray ?? []).Select(v => Number(v?["Time"])).OfType<long>().Order()];

    private static long? Number(JsonNode? node) =>
        node is JsonValue value && long.TryParse(value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
}
