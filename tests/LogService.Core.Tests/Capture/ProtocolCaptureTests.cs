using System.Security.Cryptography;
using LogService.Core.Capture;
using LogService.Core.Commands;
using LogService.Core.Entries;
using LogService.Core.Replica;
using LogService.Core.Tests.Replica;
using LogService.Replication.Events;

namespace LogService.Core.Tests.Capture;

public sealed class ProtocolCaptureTests : IDisposable
{
    private const long T0 = 1_760_000_000_000;
    private readonly ReplicaGroup _group = new();
    private readonly ReplicationEventStream _events = new();
    private readonly object _order = new();
    private int _submissions;

    public ProtocolCaptureTests() => _group.Decide(_group.PrepareStream("_system", "bft"));

    public void Dispose() => _group.Dispose();

    [Fact]
    public void EachExecutedInstanceIsSummarizedWithItsQuorumOnEveryReplica()
    {
        var capture = Start();
        PublishInstance(5, leader: 0, voters: [1, 2, 3]);
        capture.DisposeAsync().AsTask().GetAwaiter().GetResult();

        var summary = Assert.Single(_group.ReadBodies(2, ProtocolCapture.StreamId));
        Assert.Equal("Instance 5 decided by votes: leader 0, 3 WRITEs and 3 ACCEPTs", summary.RenderedMessage);
        Assert.Equal(["1", "2", "3"], Property(summary, "Accept").Items.Select(v => v.Members.Single(m => m.Name == "Replica").Value.Text));
        Assert.Equal((T0 + 3).ToString(System.Globalization.CultureInfo.InvariantCulture), Property(summary, "Write").Items[0].Members.Single(m => m.Name == "Time").Value.Text);
        for (var replica = 1; replica < 4; replica++)
        {
            Assert.Equal(_group.SealedEntries(0, ProtocolCapture.StreamId).Select(e => e.ToArray()), _group.SealedEntries(replica, ProtocolCapture.StreamId).Select(e => e.ToArray()));
        }

        var header = Sealing.SealedEntry.Decode(_group.SealedEntries(0, ProtocolCapture.StreamId)[1]).Header;
        Assert.Equal("replica-3", header.SourceNode);
    }

    [Fact]
    public void AnEquivocatingLeadersTwoSignedProposalsCanBeReprovedFromTheStoredEntryAlone()
    {
        using var leaderKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var engineKeys = new[] { leaderKey.ExportSubjectPublicKeyInfo(), [], [], [] };
        var capture = Start(new ProtocolCaptureOptions { FlushInterval = TimeSpan.FromHours(1), EngineKeys = engineKeys });
        _events.Publish(new ReplicationEvent
        {
            Kind = ReplicationEventKind.Misbehaviour, Time = T0, Node = 3, From = 0, Regency = 0,
            Misbehaviour = MisbehaviourKind.Equivocation, Detail = "two signed proposals for i=9 r=0",
            Evidence = [.. Proposal(leaderKey, 9, 0x11), .. Proposal(leaderKey, 9, 0x22)],
        });
        capture.DisposeAsync().AsTask().GetAwaiter().GetResult();

        var entry = Assert.Single(_group.ReadBodies(1, ProtocolCapture.StreamId));
        var evidence = Property(entry, "Evidence").Items.Select(v => Convert.FromBase64String(v.Text!)).ToArray();
        var accusedKey = Convert.FromBase64String(Property(entry, "AccusedKey").Text!);
        Assert.Equal("0", Property(entry, "Accused").Text);
        Assert.True(MisbehaviourProof.ProvesEquivocation(evidence, accusedKey));
        Assert.Equal((0, 9L), MisbehaviourProof.ProposalOf(evidence[0]));

        var tampered = evidence.Select(e => e.ToArray()).ToArray();
        tampered[2][^1] ^= 1;
        Assert.False(MisbehaviourProof.ProvesEquivocation(tampered, accusedKey));
        Assert.False(MisbehaviourProof.ProvesEquivocation([evidence[0], evidence[1], evidence[0], evidence[1]], accusedKey));
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.False(MisbehaviourProof.ProvesEquivocation(evidence, other.ExportSubjectPublicKeyInfo()));
    }

    [Fact]
    public void InstancesOfCaptureAppendsAreFoldedIntoACounterAndNeverTriggerASubmission()
    {
        var capture = Start();
        Publish(ReplicationEventKind.Timeout, 0, "request 7/1 not ordered");
        WaitFor(() => capture.Captured == 1);
        capture.FlushAsync().GetAwaiter().GetResult();
        var captureInstance = _group.LastInstance;
        Assert.True(_group.Machine(0).IsCaptureOnly(captureInstance));

        PublishInstance(captureInstance, leader: 1, voters: [0, 2, 3]);
        WaitFor(() => capture.Folded == 1);
        capture.FlushAsync().GetAwaiter().GetResult();
        Assert.Equal(1, _submissions);

        Publish(ReplicationEventKind.Checkpoint, captureInstance, null);
        capture.DisposeAsync().AsTask().GetAwaiter().GetResult();

        var bodies = _group.ReadBodies(0, ProtocolCapture.StreamId);
        Assert.Equal(2, bodies.Count);
        Assert.Equal("1", Property(bodies[1], "CaptureInstancesFolded").Text);
        Assert.DoesNotContain(bodies, b => b.MessageTemplate!.StartsWith("Instance", StringComparison.Ordinal));
        Assert.False(_group.Machine(0).IsCaptureOnly(1));
    }

    [Fact]
    public void LeaderChangesSuspicionsAndStateTransfersEachGetAnEntry()
    {
        var capture = Start();
        Publish(ReplicationEventKind.Suspicion, 0, "leader 0: request timeout");
        Publish(ReplicationEventKind.LeaderChanged, 0, "regency 1 installed, leader 1");
        Publish(ReplicationEventKind.StateTransferStarted, 40, "behind");
        Publish(ReplicationEventKind.StateTransferCompleted, 80, "from 3 replies");
        capture.DisposeAsync().AsTask().GetAwaiter().GetResult();

        var bodies = _group.ReadBodies(3, ProtocolCapture.StreamId);
        Assert.Equal(
            ["Suspicion: leader 0: request timeout", "Leader changed: regency 1 installed, leader 1", "State transfer started at instance 40: behind", "State transfer completed at instance 80: from 3 replies"],
            bodies.Select(b => b.RenderedMessage));
    }

    [Fact]
    public void BeyondItsBoundTheCaptureDropsAndCountsAndAFailedSubmissionIsCountedNotThrown()
    {
        var failing = true;
        var capture = ProtocolCapture.Start(_events, 0, (command, _) => failing ? throw new InvalidOperationException("no quorum") : Submit(command), _group.Machine(0).IsCaptureOnly,
            new ProtocolCaptureOptions { FlushInterval = TimeSpan.FromHours(1), MaxPendingEntries = 3, MaxEntriesPerBatch = 100 });
        for (var i = 0; i < 10; i++)
        {
            Publish(ReplicationEventKind.Timeout, i, $"timeout {i}");
        }

        WaitFor(() => capture.Captured + capture.Dropped == 10);
        capture.FlushAsync().GetAwaiter().GetResult();
        failing = false;
        Publish(ReplicationEventKind.Timeout, 11, "after the loss");
        capture.DisposeAsync().AsTask().GetAwaiter().GetResult();

        Assert.Equal(4, capture.Captured);
        Assert.Equal(10, capture.Dropped);
        var body = Assert.Single(_group.ReadBodies(0, ProtocolCapture.StreamId));
        Assert.Equal("10", Property(body, "CaptureEntriesDropped").Text);
    }

    private ProtocolCapture Start(ProtocolCaptureOptions? options = null) =>
        ProtocolCapture.Start(_events, 3, (command, _) => Submit(command), _group.Machine(0).IsCaptureOnly, options ?? new ProtocolCaptureOptions { FlushInterval = TimeSpan.FromHours(1) });

    private Task Submit(LogCommand command)
    {
        lock (_order)
        {
            _submissions++;
            var reply = CommandReply.Decode(_group.Decide(command)[0][0]);
            Assert.Equal(CommandOutcome.Committed, reply.Outcome);
        }

        return Task.CompletedTask;
    }

    private void PublishInstance(long instance, int leader, int[] voters)
    {
        var digest = SHA256.HashData(BitConverter.GetBytes(instance));
        var t = T0 + 2;
        var votes = new List<InstanceVote> { new(MessageKind.Propose, leader, T0 + 1) };
        foreach (var kind in (MessageKind[])[MessageKind.Write, MessageKind.Accept])
        {
            votes.AddRange(voters.Select(voter => new InstanceVote(kind, voter, ++t)));
        }

        // Message events add nothing: the decision event carries the quorum.
        _events.Publish(new ReplicationEvent { Kind = ReplicationEventKind.MessageReceived, Message = MessageKind.Accept, Time = t, Node = 3, Instance = instance, From = leader });
        _events.Publish(new ReplicationEvent { Kind = ReplicationEventKind.Decided, Time = ++t, Node = 3, Instance = instance, From = leader, Digest = digest, Count = 2, Detail = "votes", Votes = votes });
        _events.Publish(new ReplicationEvent { Kind = ReplicationEventKind.Executed, Time = ++t, Node = 3, Instance = instance, Count = 2 });
    }

    private void Publish(ReplicationEventKind kind, long instance, string? detail) =>
        _events.Publish(new ReplicationEvent { Kind = kind, Time = T0, Node = 3, Instance = instance, Detail = detail, Digest = new byte[32] });

    /// <summary>The engine signs proposals as (kind 'P', regency LE, instance LE, digest); this is that statement and its signature.</summary>
    private static byte[][] Proposal(ECDsa leader, long instance, byte digestByte)
    {
        var statement = new byte[45];
        statement[0] = (byte)'P';
        BitConverter.TryWriteBytes(statement.AsSpan(5), instance);
        statement.AsSpan(13).Fill(digestByte);
        return [statement, leader.SignData(statement, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)];
    }

    private static LogValue Property(EntryBody body, string name) => body.Properties.Single(p => p.Name == name).Value;

    private static void WaitFor(Func<bool> condition)
    {
        // A guard against hanging, not a timing assertion: the condition is what the test checks.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the capture did not observe the published events");
            Thread.Sleep(5);
        }
    }
}
