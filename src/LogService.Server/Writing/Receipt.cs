using System.Text.Json.Nodes;
using LogService.Core.Replica;
using LogService.Server.Hosting;

namespace LogService.Server.Writing;

/// <summary>The receipt a writer gets (docs/api.md, "Writing"): the statement f+1 replicas signed identically, with their signatures.</summary>
internal static class Receipt
{
    /// <param name="streamId">The stream written.</param>
    /// <param name="batchId">The batch id, if any.</param>
    /// <param name="count">The entries in the request; a duplicate's statement may describe a stream that has grown since.</param>
    /// <param name="quorum">The agreeing replies.</param>
    public static JsonObject Of(string streamId, string? batchId, int count, CommandQuorum quorum)
    {
        var statement = quorum.Agreed.Statement ?? throw new InvalidOperationException("a committed write has a statement");
        var first = statement.FirstSequence;
        return new JsonObject
        {
            ["outcome"] = quorum.Agreed.Outcome == CommandOutcome.Duplicate ? "duplicate" : "committed",
            ["streamId"] = streamId,
            ["batchId"] = batchId,
            ["firstSequence"] = first,
            ["lastSequence"] = first + count - 1,
            ["count"] = count,
            ["statement"] = new JsonObject
            {
                ["streamId"] = statement.StreamId,
                ["firstSequence"] = first,
                ["lastSequence"] = statement.LastSequence,
                ["yHead"] = Convert.ToBase64String(statement.YHead),
                ["merkleRoot"] = Convert.ToBase64String(statement.MerkleRoot),
                ["instance"] = statement.Instance,
            },
            ["statementBytes"] = Convert.ToBase64String(statement.ToSignedBytes()),
            ["signatures"] = new JsonArray([.. quorum.Replies.OrderBy(r => r.ReplicaId).Select(r => (JsonNode)new JsonObject
            {
                ["replica"] = r.ReplicaId,
                ["signature"] = Convert.ToBase64String(r.Signature),
            })]),
        };
    }
}
