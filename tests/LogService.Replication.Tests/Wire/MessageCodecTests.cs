using System.Buffers;
using LogService.Replication.Protocol;
using LogService.Replication.Tests.Support;
using LogService.Replication.Wire;

namespace LogService.Replication.Tests.Wire;

public sealed class MessageCodecTests
{
    private static readonly Message[] Samples =
    [
        new RequestMessage(1000, 7, false, [1, 2, 3], false),
        new RequestMessage(1001, 8, true, [], true),
        new ReplyMessage(7, false, 3, [9, 9]),
        new ProposeMessage(2, 5, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0, 0], new byte[64]),
        new WriteMessage(2, 5, new byte[32], new byte[64]),
        new AcceptMessage(2, 5, new byte[32], new byte[64]),
        new StopMessage(3),
        new SyncMessage(3, [[1, 2], [3]]),
        new StateRequestMessage(42),
        new StateReplyMessage(3, 40, [5, 5], [new DecidedValue(41, [1], 2, [new SignedAccept(1, new byte[64])])], [7]),
    ];

    [Fact]
    public void EveryMessageTypeRoundTrips()
    {
        var w = new ArrayBufferWriter<byte>();
        var w2 = new ArrayBufferWriter<byte>();
        foreach (var m in Samples)
        {
            w.ResetWrittenCount();
            MessageCodec.Encode(w, m);
            var decoded = MessageCodec.Decode(w.WrittenSpan);
            Assert.Equal(m.Kind, decoded.Kind);
            w2.ResetWrittenCount();
            MessageCodec.Encode(w2, decoded);
            Assert.Equal(w.WrittenSpan.ToArray(), w2.WrittenSpan.ToArray());
        }
    }

    [Fact]
    public void TruncatedOrUnknownVersionMessagesAreRejected()
    {
        var w = new ArrayBufferWriter<byte>();
        MessageCodec.Encode(w, Samples[0]);
        var bytes = w.WrittenSpan.ToArray();
        Assert.Throws<WireFormatException>(() => MessageCodec.Decode(bytes.AsSpan(0, bytes.Length - 1)));
        Assert.Throws<WireFormatException>(() => MessageCodec.Decode([.. bytes, 0]));
        bytes[0] = 2;
        Assert.Throws<WireFormatException>(() => MessageCodec.Decode(bytes));
    }

    [Fact]
    public void RandomAndMutatedBytesNeverThrowAnythingButFormatErrors()
    {
        var random = new Random(4);
        var w = new ArrayBufferWriter<byte>();
        var encoded = Samples.Select(m =>
        {
            w.ResetWrittenCount();
            MessageCodec.Encode(w, m);
            return w.WrittenSpan.ToArray();
        }).ToArray();

        for (var i = 0; i < 50_000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[random.Next(0, 80)];
                random.NextBytes(input);
                if (input.Length > 1)
                {
                    input[0] = MessageCodec.Version;
                }
            }
            else
            {
                input = (byte[])encoded[random.Next(encoded.Length)].Clone();
                for (var k = random.Next(1, 4); k > 0; k--)
                {
                    input[random.Next(input.Length)] = (byte)random.Next(256);
                }
            }

            try
            {
                MessageCodec.Decode(input);
            }
            catch (WireFormatException)
            {
                // Expected for most inputs.
            }
        }
    }

    [Fact]
    public void ReplicaCoreSurvivesGarbageFromEveryPeer()
    {
        var sim = new Simulation(seed: 5, 4);
        sim.Start();
        var random = new Random(6);
        var core = sim.Replicas[1].Core!;
        for (var i = 0; i < 20_000; i++)
        {
            var input = new byte[random.Next(0, 120)];
            random.NextBytes(input);
            if (input.Length > 2)
            {
                input[0] = MessageCodec.Version;
                input[1] = (byte)random.Next(1, 12);
            }

            core.OnMessage(random.Next(0, 4) is var r && r == 3 ? 1000 : r, input);
        }

        foreach (var c in sim.Clients)
        {
            c.Run(3);
        }

        Assert.True(Scenario.RunToCompletion(sim));
        Scenario.AssertHealthy(sim);
    }
}
