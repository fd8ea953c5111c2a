using System.Security.Cryptography;
using System.Text.Json.Nodes;
using LogService.Core.Replica;

namespace Serilog.Sinks.LogService.Tests.Support;

/// <summary>Signing keys of a four-replica deployment (f = 1) and the key set document clients pin.</summary>
internal sealed class FakeReplicaKeys : IDisposable
{
    public const int F = 1;

    public ECDsa[] Keys { get; } = Enumerable.Range(0, 3 * F + 1).Select(_ => ECDsa.Create(ECCurve.NamedCurves.nistP256)).ToArray();

    /// <summary>The <c>GET /api/v1/replicas</c> document for these keys.</summary>
    public string KeySetJson(IReadOnlyList<Uri>? urls = null) => new JsonObject
    {
        ["n"] = Keys.Length,
        ["f"] = F,
        ["replicas"] = new JsonArray(Keys.Select((key, i) => (JsonNode)new JsonObject
        {
            ["id"] = i,
            ["url"] = urls is not null && i < urls.Count ? urls[i].ToString() : $"http://127.0.0.1:1/replica-{i}/",
            ["signingKey"] = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()),
            ["agreementKey"] = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()),
            ["keyService"] = i == 0,
        }).ToArray()),
    }.ToJsonString();

    /// <summary>
    /// A receipt as the service sends it, signed by <paramref name="signers"/> as replicas 0, 1, …. The statement
    /// ends at <paramref name="streamLast"/> when given (a duplicate's: the stream's head when the retry came).
    /// </summary>
    public JsonObject Receipt(string stream, string batchId, long first, int count, string outcome, ECDsa[] signers, long? streamLast = null)
    {
        var statement = new CommitStatement(stream, first, streamLast ?? first + count - 1, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32), Interlocked.Increment(ref _instance));
        return new JsonObject
        {
            ["outcome"] = outcome,
            ["streamId"] = stream,
            ["batchId"] = batchId,
            ["firstSequence"] = statement.FirstSequence,
            ["lastSequence"] = first + count - 1,
            ["count"] = count,
            ["statement"] = new JsonObject
            {
                ["streamId"] = stream,
                ["firstSequence"] = statement.FirstSequence,
                ["lastSequence"] = statement.LastSequence,
                ["yHead"] = Convert.ToBase64String(statement.YHead),
                ["merkleRoot"] = Convert.ToBase64String(statement.MerkleRoot),
                ["instance"] = statement.Instance,
            },
            ["statementBytes"] = Convert.ToBase64String(statement.ToSignedBytes()),
            ["signatures"] = new JsonArray(signers.Select((key, i) => (JsonNode)new JsonObject
            {
                ["replica"] = i,
                ["signature"] = Convert.ToBase64String(statement.Sign(key)),
            }).ToArray()),
        };
    }

    private long _instance;

    public void Dispose()
    {
        foreach (var key in Keys)
        {
            key.Dispose();
        }
    }
}
