using System.Security.Cryptography;
using LogService.Sealing.Crypto;
using LogService.Sealing.Tests.Support;

namespace LogService.Sealing.Tests.Crypto;

public sealed class ChainHasherTests
{
    [Fact]
    public void PreparingAnEntryAgreesWithTheOneAtATimePrimitivesAndThePlatformHmac()
    {
        var random = new DeterministicRandom(41);
        var hasher = new ChainHasher();
        for (var round = 0; round < 50; round++)
        {
            var secret = new byte[32];
            var link = new byte[32];
            random.Fill(secret);
            random.Fill(link);
            var mask = (ulong)round * 0x0101010101010101UL;

            var expectedKey = new byte[32];
            hasher.DeriveEncryptionKey(mask, secret, expectedKey);
            var expectedNext = (byte[])secret.Clone();
            hasher.Evolve(expectedNext);

            var next = (byte[])secret.Clone();
            var key = new byte[32];
            var pads = new uint[16];
            var mac = new byte[32];
            hasher.PrepareEntry(mask, next, key, pads);
            hasher.ComputeMacFromPads(pads, link, mac);

            Assert.Equal(expectedKey, key);
            Assert.Equal(expectedNext, next);
            Assert.Equal(HMACSHA256.HashData(secret, link), mac);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(8)]
    public void MacsComputedSideBySideAreThePlatformHmacsOfEachLink(int count)
    {
        var random = new DeterministicRandom(43 + count);
        var hasher = new ChainHasher();
        var secrets = new byte[count][];
        var links = new byte[count * 32];
        var pads = new uint[count * 16];
        random.Fill(links);
        for (var i = 0; i < count; i++)
        {
            secrets[i] = new byte[32];
            random.Fill(secrets[i]);
            hasher.PrepareEntry((ulong)i, (byte[])secrets[i].Clone(), new byte[32], pads.AsSpan(i * 16, 16));
        }

        var macs = new byte[count * 32];
        ChainHasher.ComputeMacsFromPads(pads, links, macs);

        for (var i = 0; i < count; i++)
        {
            Assert.Equal(HMACSHA256.HashData(secrets[i], links.AsSpan(i * 32, 32)), macs.AsSpan(i * 32, 32).ToArray());
        }
    }

    [Fact]
    public void TheChainPrimitivesFollowTheDocumentedFormulas()
    {
        var hasher = new ChainHasher();
        var secret = new byte[32];
        new DeterministicRandom(42).Fill(secret);
        var key = new byte[32];
        hasher.DeriveEncryptionKey(0x0102030405060708, secret, key);
        var next = (byte[])secret.Clone();
        hasher.Evolve(next);

        Assert.Equal(SHA256.HashData([.. "encrypt"u8, 1, 2, 3, 4, 5, 6, 7, 8, .. secret]), key);
        Assert.Equal(SHA256.HashData([.. "evolve"u8, .. secret]), next);
    }
}
