using LogService.Client.Tests.Support;
using LogService.Client.Trust;
using CommitStatement = LogService.Core.Replica.CommitStatement;

namespace LogService.Client.Tests.Trust;

public sealed class SignedStatementTests
{
    // The documented layout for ("a/b", 1, 2, 0x11…, 0x22…, 3), written out by hand.
    private const string VectorHex =
        "6c6f677376632f636f6d6d69742f763100" + "0003" + "612f62" + "0000000000000001" + "0000000000000002"
        + "1111111111111111111111111111111111111111111111111111111111111111"
        + "2222222222222222222222222222222222222222222222222222222222222222" + "0000000000000003";

    [Fact]
    public void TheClientWritesTheSameBytesAsTheReplicasAndTheDocumentedVector()
    {
        var core = new CommitStatement("a/b", 1, 2, Fill(0x11), Fill(0x22), 3);

        var client = TestReplicas.ToClient(core).ToSignedBytes();

        Assert.Equal(core.ToSignedBytes(), client);
        Assert.Equal(VectorHex, Convert.ToHexStringLower(client));
    }

    [Fact]
    public void DecodingGivesBackEveryFieldOfARealStatement()
    {
        var core = TestReplicas.Statement("tenant-1/stream.name_x", long.MaxValue - 1, long.MaxValue);

        Assert.True(SignedStatement.TryDecode(core.ToSignedBytes(), out var decoded));
        Assert.True(decoded.SameAs(TestReplicas.ToClient(core)));
    }

    [Theory]
    [InlineData("trailing byte")]
    [InlineData("missing byte")]
    [InlineData("wrong domain")]
    [InlineData("stream id length too long")]
    [InlineData("invalid utf-8")]
    public void DecodingRefusesBytesTheEncoderWouldNotWrite(string damage)
    {
        var bytes = Convert.FromHexString(VectorHex).ToList();
        switch (damage)
        {
            case "trailing byte": bytes.Add(0); break;
            case "missing byte": bytes.RemoveAt(bytes.Count - 1); break;
            case "wrong domain": bytes[14] = (byte)'2'; break;
            case "stream id length too long": bytes[18] = 4; break;
            case "invalid utf-8": bytes[19] = 0xFF; break;
        }

        Assert.False(SignedStatement.TryDecode(bytes.ToArray(), out _));
    }

    private static byte[] Fill(byte value) => Enumerable.Repeat(value, 32).ToArray();
}
