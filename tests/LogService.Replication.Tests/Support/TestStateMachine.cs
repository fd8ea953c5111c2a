using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using LogService.Replication.Abstractions;

namespace LogService.Replication.Tests.Support;

/// <summary>
/// A deterministic state machine that records what it executes. Its state is a command count and a hash chain over
/// every executed command; replies depend on that state, so replicas with diverging histories give different replies.
/// It "persists" by living on across simulated restarts; a wiped replica gets a new instance. With
/// <see cref="PartItems"/> set it also keeps every executed payload (<see cref="Log"/>), which a checkpoint only
/// summarizes (its length and digest): a replica restoring one fetches the log entries it lacks as parts first.
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

    /// <summary>When set, the log travels outside the snapshot, in parts of at most this many payloads.</summary>
    public int? PartItems { get; init; }

    /// <summary>Makes this replica alter every part it sends, as a Byzantine one would.</summary>
    public bool CorruptParts { get; set; }

    /// <summary>Every executed payload in order, including those written as parts (kept only with <see cref="PartItems"/>).</summary>
    public List<string> Log { get; } = [];

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
            if (PartItems is not null)
            {
                Log.Add(Encoding.UTF8.GetString(c.Payload.Span));
            }

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
        var s = new byte[16 + 32 + (PartItems is null ? 0 : 8 + 32)];
        BinaryPrimitives.WriteInt64LittleEndian(s, LastExecutedInstance);
        BinaryPrimitives.WriteInt64LittleEndian(s.AsSpan(8), CommandCount);
        chain.CopyTo(s, 16);
        if (PartItems is not null)
        {
            BinaryPrimitives.WriteInt64LittleEndian(s.AsSpan(48), Log.Count);
            LogDigest(Log.Count).CopyTo(s, 56);
        }

        return s;
    }

    public void RestoreSnapshot(long instance, ReadOnlyMemory<byte> snapshot)
    {
        var s = snapshot.Span;
        if (PartItems is not null)
        {
            var count = (int)BinaryPrimitives.ReadInt64LittleEndian(s[48..]);
            if (Log.Count < count || !LogDigest(count).AsSpan().SequenceEqual(s.Slice(56, 32)))
            {
                throw new InvalidOperationException($"the log ({Log.Count} payloads) does not match the snapshot's ({count})");
            }

            Log.RemoveRange(count, Log.Count - count);
        }

        CommandCount = BinaryPrimitives.ReadInt64LittleEndian(s[8..]);
        chain = s.Slice(16, 32).ToArray();
        LastExecutedInstance = instance;
        Restores++;
    }

    public IReadOnlyList<byte[]> MissingParts(long instance, ReadOnlyMemory<byte> snapshot)
    {
        if (PartItems is null)
        {
            return [];
        }

        var count = BinaryPrimitives.ReadInt64LittleEndian(snapshot.Span[48..]);
        return Log.Count < count ? [Part(Log.Count, count - 1)] : [];
    }

    public byte[]? ReadPart(ReadOnlyMemory<byte> part)
    {
        var (from, to) = (BinaryPrimitives.ReadInt64LittleEndian(part.Span), BinaryPrimitives.ReadInt64LittleEndian(part.Span[8..]));
        if (PartItems is not { } size || Log.Count <= to)
        {
            return null;
        }

        var items = Log.Skip((int)from).Take((int)Math.Min(size, to - from + 1)).ToList();
        if (CorruptParts)
        {
            items[0] += "!";
        }

        return Encoding.UTF8.GetBytes(string.Join('\n', items.Prepend(from.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    public byte[]? WritePart(ReadOnlyMemory<byte> part, ReadOnlyMemory<byte> content)
    {
        var to = BinaryPrimitives.ReadInt64LittleEndian(part.Span[8..]);
        var lines = Encoding.UTF8.GetString(content.Span).Split('\n');
        if (long.Parse(lines[0], System.Globalization.CultureInfo.InvariantCulture) != Log.Count)
        {
            throw new InvalidDataException($"the part starts at {lines[0]}, the log holds {Log.Count}");
        }

        Log.AddRange(lines.Skip(1));
        return Log.Count - 1 < to ? Part(Log.Count, to) : null;
    }

    private static byte[] Part(long from, long to)
    {
        var part = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(part, from);
        BinaryPrimitives.WriteInt64LittleEndian(part.AsSpan(8), to);
        return part;
    }

    private byte[] LogDigest(int count)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var payload in Log.Take(count))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(payload + "\n"));
        }

        return hash.GetHashAndReset();
    }
}
