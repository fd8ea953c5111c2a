using LogService.Replication.Tests.Support;

namespace LogService.Replication.Tests;

public sealed class ReplicationOptionsTests
{
    [Fact]
    public void DefaultsAreValidOnceKeysAreGiven()
    {
        var o = TestKeys.Options(4, 0);
        o.Validate(requireSigningKey: true);
        Assert.Equal(1, o.FaultsTolerated);
        Assert.True(o.MaxBatchCount > 0 && o.PipelineDepth > 0 && o.CheckpointPeriod > 0);
        Assert.True(o.RequestTimeout > TimeSpan.Zero && o.LeaderChangeTimeout > TimeSpan.Zero && o.MaxClockSkew > TimeSpan.Zero);
        Assert.Null(o.DataDirectory);
    }

    [Theory]
    [InlineData(3, "ReplicaCount")]
    [InlineData(5, "ReplicaPublicKeys")]
    public void WrongGroupSizeIsRejected(int n, string expected)
    {
        var keys = TestKeys.Options(4);
        var e = Assert.Throws<ArgumentException>(() => new ReplicationOptions { ReplicaCount = n, ReplicaPublicKeys = keys.ReplicaPublicKeys }.Validate());
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplicaWithoutSigningKeyIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => TestKeys.Options(4).Validate(requireSigningKey: true));
        Assert.Contains("SigningKey", e.Message, StringComparison.Ordinal);
    }
}
