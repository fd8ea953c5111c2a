using System.Text.Json;
using LogService.Core.Replica;
using Serilog.Sinks.LogService.Shipping;

namespace Serilog.Sinks.LogService.Tests.Support;

/// <summary>Placeholder receipt check over the pinned fake keys: f+1 distinct valid signatures over the statement bytes.</summary>
internal sealed class TestReceiptCheck(IReadOnlyList<byte[]> signingKeys) : IReceiptCheck
{
    public static TestReceiptCheck FromKeySetJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return new TestReceiptCheck(document.RootElement.GetProperty("replicas").EnumerateArray()
            .Select(r => Convert.FromBase64String(r.GetProperty("signingKey").GetString()!)).ToList());
    }

    public string? Check(byte[] receiptJson, string stream, int count)
    {
        using var document = JsonDocument.Parse(receiptJson);
        var root = document.RootElement;
        var s = root.GetProperty("statement");
        var statement = new CommitStatement(s.GetProperty("streamId").GetString()!, s.GetProperty("firstSequence").GetInt64(), s.GetProperty("lastSequence").GetInt64(),
            Convert.FromBase64String(s.GetProperty("yHead").GetString()!), Convert.FromBase64String(s.GetProperty("merkleRoot").GetString()!), s.GetProperty("instance").GetInt64());
        if (statement.StreamId != stream || root.GetProperty("count").GetInt32() != count)
        {
            return "wrong stream or count";
        }

        var valid = root.GetProperty("signatures").EnumerateArray()
            .Where(sig => statement.Verify(Convert.FromBase64String(sig.GetProperty("signature").GetString()!), signingKeys[sig.GetProperty("replica").GetInt32()]))
            .Select(sig => sig.GetProperty("replica").GetInt32()).Distinct().Count();
        return valid >= FakeReplicaKeys.F + 1 ? null : $"{valid} valid signatures";
    }
}
