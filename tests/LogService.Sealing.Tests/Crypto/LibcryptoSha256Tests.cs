using System.Security.Cryptography;
using LogService.Sealing.Crypto;
using LogService.Sealing.Tests.Support;

namespace LogService.Sealing.Tests.Crypto;

public sealed class LibcryptoSha256Tests
{
    [Fact]
    public void OnLinuxTheLinksAreHashedByLibcryptoDirectly()
    {
        Assert.Equal(OperatingSystem.IsLinux(), LibcryptoSha256.IsNative);
    }

    [Fact]
    public void EveryLengthAcrossSeveralBlocksGivesThePlatformDigest()
    {
        var message = new byte[70_000];
        new DeterministicRandom(44).Fill(message);
        var digest = new byte[32];
        foreach (var length in Enumerable.Range(0, 300).Concat([511, 512, 513, 4096, 65_537, 70_000]))
        {
            LibcryptoSha256.HashData(message.AsSpan(0, length), digest);

            Assert.Equal(SHA256.HashData(message.AsSpan(0, length)), digest);
        }
    }

    [Fact]
    public void ADigestWithoutRoomIsRefused()
    {
        Assert.Throws<ArgumentException>(() => LibcryptoSha256.HashData([1, 2, 3], new byte[31]));
    }
}
