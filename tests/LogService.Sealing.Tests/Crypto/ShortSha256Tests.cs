using System.Security.Cryptography;
using LogService.Sealing.Crypto;
using LogService.Sealing.Tests.Support;

namespace LogService.Sealing.Tests.Crypto;

public sealed class ShortSha256Tests
{
    [Fact]
    public void DigestsMatchThePlatformAcrossBlockBoundariesAndSplitInputs()
    {
        var random = new DeterministicRandom(31);
        var sha = new ShortSha256();
        var digest = new byte[32];
        for (var length = 0; length <= 200; length++)
        {
            var data = new byte[length];
            random.Fill(data);
            var split = length / 3;

            sha.Append(data.AsSpan(0, split));
            sha.Append(data.AsSpan(split));
            sha.Finish(digest);

            Assert.Equal(SHA256.HashData(data), digest);
        }
    }

    [Fact]
    public void TheEmptyMessageHasTheStandardDigest()
    {
        var digest = new byte[32];
        new ShortSha256().Finish(digest);

        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexStringLower(digest));
    }
}
