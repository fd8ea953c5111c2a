using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using LogService.Replication.Abstractions;

namespace LogService.Replication.Tests.Support;

/// <summary>
/// A deterministic state machine that records what it executes. Its state is a command count and a hash chain over
/// every executed command; replies depend on that state, so replicas with diverging histories give different replies.
/// It "persists" by living on across simulated restarts; a wiped replica gets a new instance.
/// </summary>
public sealed class TestStateMachine : IStateMachine
{
    private byte[] chain = new byte[32];

    public long LastExecutedInstance { get; private set; }

    public long CommandCount { get; private set; }

    /// <summary>Commands executed by this instance (not those restored from a snapshot), in order.</summary>
    public List<(long Instance, int Client, long Sequence, string Payload)> Executed { get; } = [];

    /// <summary>Digest of each executed batch (timestamp, nonce, commands), for cross-replica comparison.</summary>
    public Dictionary<long, string> BatchDigests { get; } = [];

    public List<long> Timestamps { get; } = [];

    public int Restores { get; private set; }

    public IReadOnlyList<byte[]> Execute(OrderedBatch batch)
    {
        if (batch.Instance != LastExecutedInstance + 1)
        {
            throw new InvalidOperationException($"instance {batch.Instance} after {LastExecutedInstance}");
        }

        var replies = new byte[batch.Commands.Count][];
        using var batchHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> header = stackalloc byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(header, batch.Timestamp);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], batch.Nonce);
        batchHash.AppendData(header);
        for (var i = 0; i < replies.Length; i++)
        {
            var c = batch.Commands[i];
            batchHash.AppendData(c.Payload.Span);
            chain = SHA256.HashData([.. chain, .. c.Payload.Span]);
            CommandCount++;
            Executed.Add((batch.Instance, c.ClientId, c.Sequence, Encoding.UTF8.GetString(c.Payload.Span)));
            replies[i] = Encoding.UTF8.GetBytes($"{CommandCount}:{Convert.ToHexString(chain, 0, 4)}");
        }

        BatchDigests[batch.Instance] = Convert.ToHexString(batchHash.GetHashAndReset());
        Timestamps.Add(batch.Timestamp);
        LastExecutedInstance = batch.Instance;
        return replies;
    }

    public byte[] ExecuteReadOnly(ReadOnlyMemory<byte> query) => Encoding.UTF8.GetBytes($"count={CommandCount}");

    public byte[] TakeSnapshot()
    {
        var s = new byte[16 + 32];
        BinaryPrimitives.WriteInt64LittleEndian(s, LastExecutedInstance);
        BinaryPrimitives.WriteInt64LittleEndian(s.AsSpan(8), CommandCount);
        chain.CopyTo(s, 16);
        return s;
    }

    public void RestoreSnapshot(long instance, ReadOnlyMemory<byte> snapshot)
    {
        var s = snapshot.Span;
        CommandCount = BinaryPrimitives.ReadInt64LittleEndian(s[8..]);
        chain = s.Slice(16, 32).ToArray();
        LastExecutedInstance = instance;
        Restores++;
    }
}
