using System.Buffers.Binary;
using System.Security.Cryptography;
using LogService.Sealing.Crypto;
using LogService.Sealing.Tests.Support;

namespace LogService.Sealing.Tests.Crypto;

public sealed class EightLaneSha256Tests
{
    [Fact]
    public void EveryLaneOfMessagesOfDifferentLengthsMatchesThePlatformHash()
    {
        var random = new DeterministicRandom(7);
        // Lengths around every padding boundary, so lanes finish after different block counts.
        int[][] groups = [[0, 1, 55, 56, 63, 64, 119, 120], [436, 3, 200, 1000, 64, 8, 127, 128], [500, 500, 500]];
        foreach (var lengths in groups)
        {
            const int stride = 1088;
            var messages = new byte[EightLaneSha256.Lanes * stride];
            var blocks = new int[lengths.Length];
            var states = new uint[EightLaneSha256.Lanes * 8];
            var expected = new byte[lengths.Length][];
            for (var lane = 0; lane < lengths.Length; lane++)
            {
                var message = messages.AsSpan(lane * stride, stride);
                random.Fill(message[..lengths[lane]]);
                expected[lane] = SHA256.HashData(message[..lengths[lane]]);
                blocks[lane] = EightLaneSha256.Pad(message, lengths[lane]);
                EightLaneSha256.InitialState.CopyTo(states.AsSpan(lane * 8));
            }

            var digests = new byte[EightLaneSha256.Lanes * 32];
            EightLaneSha256.Hash(messages, stride, blocks, states, digests);

            for (var lane = 0; lane < lengths.Length; lane++)
            {
                Assert.Equal(expected[lane], digests.AsSpan(lane * 32, 32).ToArray());
            }

            Assert.All(digests[(lengths.Length * 32)..], b => Assert.Equal(0, b));
        }
    }

    [Fact]
    public void LanesContinuingFromHmacKeyStatesGiveThePlatformHmac()
    {
        var random = new DeterministicRandom(8);
        var hasher = new ChainHasher();
        var keys = new byte[EightLaneSha256.Lanes][];
        var links = new byte[EightLaneSha256.Lanes][];
        var inner = new uint[EightLaneSha256.Lanes * 8];
        var outer = new uint[EightLaneSha256.Lanes * 8];
        var messages = new byte[EightLaneSha256.Lanes * 64];
        var blocks = new int[EightLaneSha256.Lanes];
        for (var lane = 0; lane < EightLaneSha256.Lanes; lane++)
        {
            keys[lane] = new byte[32];
            links[lane] = new byte[32];
            random.Fill(keys[lane]);
            random.Fill(links[lane]);
            var pads = new uint[16];
            hasher.PrepareEntry(0, (byte[])keys[lane].Clone(), new byte[32], pads);
            pads.AsSpan(0, 8).CopyTo(inner.AsSpan(lane * 8));
            pads.AsSpan(8, 8).CopyTo(outer.AsSpan(lane * 8));
            links[lane].CopyTo(messages, lane * 64);
            blocks[lane] = EightLaneSha256.Pad(messages.AsSpan(lane * 64, 64), 32, 64);
        }

        var digests = new byte[EightLaneSha256.Lanes * 32];
        EightLaneSha256.Hash(messages, 64, blocks, inner, digests);
        for (var lane = 0; lane < EightLaneSha256.Lanes; lane++)
        {
            digests.AsSpan(lane * 32, 32).CopyTo(messages.AsSpan(lane * 64));
            EightLaneSha256.Pad(messages.AsSpan(lane * 64, 64), 32, 64);
        }

        EightLaneSha256.Hash(messages, 64, blocks, outer, digests);

        for (var lane = 0; lane < EightLaneSha256.Lanes; lane++)
        {
            Assert.Equal(HMACSHA256.HashData(keys[lane], links[lane]), digests.AsSpan(lane * 32, 32).ToArray());
        }
    }

    [Fact]
    public void PaddingEndsWithTheBitLengthIncludingWhatWasHashedBefore()
    {
        var lane = new byte[128];
        Assert.Equal(1, EightLaneSha256.Pad(lane, 32, 64));
        Assert.Equal(0x80, lane[32]);
        Assert.Equal((ulong)(96 * 8), BinaryPrimitives.ReadUInt64BigEndian(lane.AsSpan(56)));
        Assert.Equal(2, EightLaneSha256.Pad(lane, 56));
    }
}
