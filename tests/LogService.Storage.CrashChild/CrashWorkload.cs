using System.Security.Cryptography;
using System.Text;
using LogService.Sealing;

namespace LogService.Storage.CrashChild;

/// <summary>
/// The deterministic batches the crash child appends: batch i always holds the same sealed entries, so the test can
/// rebuild what every acknowledged batch must look like and compare it with what survived the kill.
/// </summary>
public static class CrashWorkload
{
    /// <summary>The streams every batch may touch.</summary>
    public static IReadOnlyList<string> Streams { get; } = ["acme/api", "acme/db", "globex/web"];

    /// <summary>Fresh sealers for every stream, at sequence 0.</summary>
    public static Dictionary<string, StreamSealer> CreateSealers() =>
        Streams.ToDictionary(stream => stream, stream => StreamSealer.Create(stream, InitialSecret(stream)));

    /// <summary>The stream's A_0, fixed so the test can run the sealing core's full verification.</summary>
    public static byte[] InitialSecret(string stream) => SHA256.HashData(Encoding.UTF8.GetBytes("crash:" + stream));

    /// <summary>Seals batch <paramref name="instance"/> with <paramref name="sealers"/>, advancing them.</summary>
    public static DecidedBatchWrite NextBatch(long instance, IReadOnlyDictionary<string, StreamSealer> sealers)
    {
        var entries = new List<EntryRecord>();
        var heads = new List<StreamHead>();
        for (var s = 0; s < Streams.Count; s++)
        {
            var stream = Streams[s];
            var sealer = sealers[stream];
            var count = (int)((instance * 7 + s * 3) % 9);
            if (count == 0)
            {
                continue;
            }

            var tenant = stream[..stream.IndexOf('/')];
            for (var i = 0; i < count; i++)
            {
                var metadata = new EntryMetadata(1_700_000_000_000_000 + instance * 1_000 + i, (byte)((instance + i) % 6), tenant,
                    "cloud-a", $"node-{i % 3}", "svc", "request", 1UL << (i % 4));
                var sealedEntry = sealer.NextSequence == 0 ? sealer.SealOpen(metadata) : sealer.SealData(metadata, Body(instance, s, i));
                entries.Add(ToRecord(sealedEntry));
            }

            heads.Add(new StreamHead(stream, tenant, sealer.NextSequence - 1, sealer.Head.ToArray(),
                BitConverter.GetBytes(sealer.NextSequence), sealer.ExportState().Encode(), RetentionPolicy.KeepAll));
        }

        return new DecidedBatchWrite(instance, entries, heads);
    }

    private static byte[] Body(long instance, int stream, int index)
    {
        var body = new byte[256];
        // A fixed seed (not HashCode, which differs per process) so the test process rebuilds the same bodies.
        new Random(unchecked((int)((instance * 1_000_003) + (stream * 101) + index))).NextBytes(body);
        return body;
    }

    private static EntryRecord ToRecord(SealedEntry sealedEntry)
    {
        var header = sealedEntry.Header;
        return new EntryRecord(header.Tenant, header.StreamId, header.Sequence, header.ConsensusTimestamp, header.Level,
            header.SourceCloud, header.SourceNode, header.SourceUser, header.EventType, header.PermissionMask, (byte)header.Kind,
            sealedEntry.Encoded.ToArray());
    }
}
