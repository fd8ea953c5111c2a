using System.Buffers;
using LogService.Replication.Protocol;
using LogService.Replication.Wire;

namespace LogService.Replication.Tests.Protocol;

/// <summary>
/// The client's quorum rule on replies that share an agreed part but carry a per-replica trailer (id + signature),
/// driven reply by reply, including replies a Byzantine replica crafted.
/// </summary>
public sealed class ClientQuorumTests
{
    private const int Trailer = 4;

    [Fact]
    public void ReplyWithADifferentTrailerCountsWhenItsAgreedPartMatches()
    {
        var (core, host) = NewClient();
        IReadOnlyList<ReplicaReply>? quorum = null;
        core.Start("op"u8.ToArray(), readOnly: false, matching: 2, AgreedPart, q => quorum = q);
        var sequence = host.LastRequest().Sequence;

        core.OnMessage(3, Reply(sequence, "ok", trailer: 0x66666666));
        Assert.Null(quorum);
        core.OnMessage(0, Reply(sequence, "ok", trailer: 0));

        Assert.NotNull(quorum);
        Assert.Equal([0, 3], quorum.Select(r => r.Replica));
        Assert.Equal(0x66666666, Trailer32(quorum[1].Payload));
    }

    [Fact]
    public void ReplyThatDiffersInTheAgreedPartIsNotCounted()
    {
        var (core, host) = NewClient();
        IReadOnlyList<ReplicaReply>? quorum = null;
        core.Start("op"u8.ToArray(), readOnly: false, matching: 2, AgreedPart, q => quorum = q);
        var sequence = host.LastRequest().Sequence;

        core.OnMessage(0, Reply(sequence, "ok", trailer: 0));
        core.OnMessage(2, Reply(sequence, "no", trailer: 2));
        Assert.Null(quorum);
        core.OnMessage(1, Reply(sequence, "ok", trailer: 1));

        Assert.NotNull(quorum);
        Assert.Equal([0, 1], quorum.Select(r => r.Replica));
    }

    [Fact]
    public void TwoFPlusOneMatchingWaitsForThreeReplies()
    {
        var (core, host) = NewClient();
        IReadOnlyList<ReplicaReply>? quorum = null;
        core.Start("op"u8.ToArray(), readOnly: false, matching: 3, AgreedPart, q => quorum = q);
        var sequence = host.LastRequest().Sequence;

        core.OnMessage(1, Reply(sequence, "ok", trailer: 1));
        core.OnMessage(2, Reply(sequence, "ok", trailer: 2));
        core.OnMessage(2, Reply(sequence, "ok", trailer: 2));
        Assert.Null(quorum);
        core.OnMessage(0, Reply(sequence, "ok", trailer: 0));

        Assert.NotNull(quorum);
        Assert.Equal([0, 1, 2], quorum.Select(r => r.Replica));
        Assert.Equal(3, quorum.Select(r => Trailer32(r.Payload)).Distinct().Count());
    }

    [Fact]
    public void ReplyOnWhichTheAgreedPartThrowsIsIgnored()
    {
        var (core, host) = NewClient();
        IReadOnlyList<ReplicaReply>? quorum = null;
        core.Start("op"u8.ToArray(), readOnly: false, matching: 2, AgreedPart, q => quorum = q);
        var sequence = host.LastRequest().Sequence;

        core.OnMessage(3, Encode(new ReplyMessage(sequence, false, 0, [1, 2])));
        core.OnMessage(0, Reply(sequence, "ok", trailer: 0));
        Assert.Null(quorum);
        core.OnMessage(1, Reply(sequence, "ok", trailer: 1));
        Assert.Equal([0, 1], quorum!.Select(r => r.Replica));
    }

    [Fact]
    public void ReadOnlyQueryWhoseAgreedPartsDifferFallsBackToOrdered()
    {
        var (core, host) = NewClient();
        IReadOnlyList<ReplicaReply>? quorum = null;
        core.Start("q"u8.ToArray(), readOnly: true, matching: 3, AgreedPart, q => quorum = q);
        var query = host.LastRequest();
        Assert.True(query.ReadOnly);

        core.OnMessage(0, Reply(query.Sequence, "v1", trailer: 0, readOnly: true));
        core.OnMessage(1, Reply(query.Sequence, "v2", trailer: 1, readOnly: true));
        core.OnMessage(2, Reply(query.Sequence, "v1", trailer: 2, readOnly: true));
        Assert.Null(quorum);
        var ordered = host.LastRequest();
        Assert.False(ordered.ReadOnly);
        Assert.True(ordered.Sequence > query.Sequence);

        core.OnMessage(3, Reply(query.Sequence, "v1", trailer: 3, readOnly: true));
        for (var r = 0; r < 3; r++)
        {
            core.OnMessage(r, Reply(ordered.Sequence, "v2", trailer: r));
        }

        Assert.Equal([0, 1, 2], quorum!.Select(r => r.Replica));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void MatchingOutsideFPlusOneToNMinusFIsRefused(int matching)
    {
        var (core, _) = NewClient();
        Assert.Throws<ArgumentOutOfRangeException>(() => core.Start([], false, matching, AgreedPart, _ => { }));
        Assert.False(core.Busy);
    }

    /// <summary>The reply without its 4-byte trailer; throws on replies too short to have one.</summary>
    private static ReadOnlyMemory<byte> AgreedPart(ReadOnlyMemory<byte> reply) =>
        reply.Length < Trailer + 1 ? throw new FormatException("no trailer") : reply[..^Trailer];

    private static (ClientCore Core, RecordingHost Host) NewClient()
    {
        var host = new RecordingHost();
        return (new ClientCore(1000, 4, host, retransmitMs: 1000), host);
    }

    private static byte[] Reply(long sequence, string agreed, int trailer, bool readOnly = false)
    {
        var result = new byte[agreed.Length + Trailer];
        System.Text.Encoding.ASCII.GetBytes(agreed, result);
        BitConverter.TryWriteBytes(result.AsSpan(agreed.Length), trailer);
        return Encode(new ReplyMessage(sequence, readOnly, 0, result));
    }

    private static int Trailer32(byte[] payload) => BitConverter.ToInt32(payload, payload.Length - Trailer);

    private static byte[] Encode(Message message)
    {
        var writer = new ArrayBufferWriter<byte>();
        MessageCodec.Encode(writer, message);
        return writer.WrittenSpan.ToArray();
    }

    private sealed class RecordingHost : IReplicaHost
    {
        private readonly List<byte[]> sent = [];

        public long Now { get; set; } = 1_800_000_000_000;

        public long NextNonce() => 0;

        public void Send(int to, ReadOnlySpan<byte> message) => sent.Add(message.ToArray());

        public RequestMessage LastRequest() => (RequestMessage)MessageCodec.Decode(sent[^1]);
    }
}
