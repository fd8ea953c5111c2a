using System.Security.Cryptography;
using LogService.Client.Models;
using LogService.Client.Trust;
using CommitStatement = LogService.Core.Replica.CommitStatement;

namespace LogService.Client.Tests.Support;

/// <summary>n = 3f+1 replica signing keys, and receipts signed by the replicas' own code (Core's CommitStatement).</summary>
internal sealed class TestReplicas : IDisposable
{
    private readonly ECDsa[] _keys;

    public TestReplicas(int f = 1)
    {
        F = f;
        _keys = [.. Enumerable.Range(0, (3 * f) + 1).Select(_ => ECDsa.Create(ECCurve.NamedCurves.nistP256))];
    }

    public int F { get; }

    public int N => _keys.Length;

    public static CommitStatement Statement(string streamId = "acme/orders", long first = 1201, long last = 1300) =>
        new(streamId, first, last, [.. Enumerable.Range(0, 32).Select(i => (byte)i)], [.. Enumerable.Range(100, 32).Select(i => (byte)i)], 5120);

    public ReplicaKeySet KeySet() => new(N, F, [.. _keys.Select((k, i) => new PinnedReplica(i, $"http://127.0.0.1:{7000 + i}/", k.ExportSubjectPublicKeyInfo(), null, i == 0))]);

    public ReplicaSignature Sign(int replica, CommitStatement statement) => new(replica, statement.Sign(_keys[replica]));

    public Receipt Receipt(CommitStatement statement, params int[] signers) => new()
    {
        Outcome = "committed",
        StreamId = statement.StreamId,
        BatchId = "batch-1",
        FirstSequence = statement.FirstSequence,
        LastSequence = statement.LastSequence,
        Count = statement.LastSequence - statement.FirstSequence + 1,
        Statement = ToClient(statement),
        StatementBytes = statement.ToSignedBytes(),
        Signatures = [.. signers.Select(i => Sign(i, statement))],
    };

    public static SignedStatement ToClient(CommitStatement s) => new(s.StreamId, s.FirstSequence, s.LastSequence, s.YHead, s.MerkleRoot, s.Instance);

    public void Dispose()
    {
        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }
}
