using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using LogService.Sealing.Merkle;

namespace LogService.Console.Tests.Support;

/// <summary>One stored entry of the stand-in API: its header, body, integrity verdict and sealed bytes.</summary>
internal sealed class StoredEntry
{
    public required string StreamId { get; init; }
    public required long Sequence { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public required int Level { get; init; }
    public required string Node { get; init; }
    public required string User { get; init; }
    public required string EventType { get; init; }
    public required string Message { get; init; }
    public required JsonObject Properties { get; init; }
    public string? Exception { get; init; }
    public required byte[] Sealed { get; set; }
    public string? Broken { get; set; }
}

/// <summary>
/// The entries and replica keys behind the stand-in API: a real RFC 6962 tree over each stream's sealed bytes and
/// certified heads really signed by 3 of 4 ECDSA P-256 replica keys, so the console's own proof check has real
/// input, and a tamper hook that changes stored bytes after the head was signed.
/// </summary>
internal sealed class ContractStore
{
    public static readonly string[] Levels = ["Verbose", "Debug", "Information", "Warning", "Error", "Fatal"];
    private readonly object gate = new();
    private readonly Dictionary<string, List<StoredEntry>> streams = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (byte[] Bytes, CommitHead Head)> heads = new(StringComparer.Ordinal);
    private readonly ECDsa[] replicaKeys = [.. Enumerable.Range(0, 4).Select(_ => ECDsa.Create(ECCurve.NamedCurves.nistP256))];

    public IReadOnlyList<ECDsa> ReplicaKeys => replicaKeys;

    public IReadOnlyList<string> StreamIds { get { lock (gate) { return [.. streams.Keys]; } } }

    public void CreateStream(string streamId)
    {
        lock (gate)
        {
            streams.TryAdd(streamId, []);
        }
    }

    public StoredEntry Append(string streamId, DateTimeOffset time, int level, string node, string message, JsonObject properties, string? exception = null)
    {
        lock (gate)
        {
            var list = streams[streamId];
            var entry = new StoredEntry
            {
                StreamId = streamId, Sequence = list.Count, Timestamp = time, Level = level, Node = node, User = "svc-" + node,
                EventType = "0x" + LogService.Core.Entries.EventTypes.FromTemplate(message).ToString("X8", System.Globalization.CultureInfo.InvariantCulture),
                Message = message, Properties = properties, Exception = exception, Sealed = RandomNumberGenerator.GetBytes(96),
            };
            list.Add(entry);
            return entry;
        }
    }

    public IReadOnlyList<StoredEntry> Entries(string streamId)
    {
        lock (gate)
        {
            return streams.TryGetValue(streamId, out var list) ? [.. list] : [];
        }
    }

    /// <summary>Signs a head over the stream as it is now (3 of 4 replicas).</summary>
    public void Certify(string streamId)
    {
        lock (gate)
        {
            var list = streams[streamId];
            var root = MerkleTree.FromLeafHashes(list.Select(e => MerkleHash.HashLeaf(e.Sealed))).Root(list.Count);
            var id = Encoding.UTF8.GetBytes(streamId);
            var bytes = new List<byte>(Encoding.ASCII.GetBytes("logsvc/commit/v1\0"));
            bytes.AddRange([(byte)(id.Length >> 8), (byte)id.Length]);
            bytes.AddRange(id);
            bytes.AddRange(BigEndian(0));
            bytes.AddRange(BigEndian(list.Count - 1));
            bytes.AddRange(new byte[32]);
            bytes.AddRange(root);
            bytes.AddRange(BigEndian(7));
            var statement = bytes.ToArray();
            heads[streamId] = (statement, new CommitHead(list.Count, root));
        }
    }

    public (byte[] Statement, long Size, byte[] Root)? Head(string streamId)
    {
        lock (gate)
        {
            return heads.TryGetValue(streamId, out var h) ? (h.Bytes, h.Head.Size, h.Head.Root) : null;
        }
    }

    public IReadOnlyList<byte[]> InclusionProof(string streamId, long index, long size)
    {
        lock (gate)
        {
            var tree = MerkleTree.FromLeafHashes(streams[streamId].Take((int)size).Select(e => MerkleHash.HashLeaf(e.Sealed)));
            return tree.InclusionProof(index, size);
        }
    }

    /// <summary>Changes one byte of a stored entry, as an attacker with the disk would; the service then finds a bad MAC there.</summary>
    public void Tamper(string streamId, long sequence)
    {
        lock (gate)
        {
            var entry = streams[streamId][(int)sequence];
            entry.Sealed[10] ^= 0x01;
            entry.Broken = "bad MAC";
        }
    }

    private static byte[] BigEndian(long value)
    {
        var bytes = BitConverter.GetBytes(value);
        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(bytes);
        }

        return bytes;
    }

    private sealed record CommitHead(long Size, byte[] Root);
}
