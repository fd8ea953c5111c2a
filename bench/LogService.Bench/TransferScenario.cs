using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using LogService.Core.Commands;
using LogService.Core.Entries;
using LogService.Core.KeyService;
using LogService.Core.Replica;
using LogService.Replication.Abstractions;
using LogService.Sealing;
using LogService.Server.Ingestion;
using LogService.Storage;

namespace LogService.Bench;

/// <summary>
/// How fast a replica with an empty store rebuilds a Log Core's state from another's, and what a checkpoint costs.
/// <c>parts</c>: the summary checkpoint, every stream range the empty replica lacks read from the source and written
/// to it as parts (<c>MissingParts</c> / <c>ReadPart</c> / <c>WritePart</c>, with the SHA-256 the receiver and one
/// digest-only replier compute over each part), then the summary restored: the bytes a state transfer moves, without
/// the network. <c>whole</c>, in the same run: the previous transfer, the whole store exported as one snapshot and
/// imported in one piece. Rounds alternate; each rebuild goes into a new empty store.
/// </summary>
internal sealed class TransferScenario : IBenchScenario
{
    private const int Streams = 4;
    private const int Rounds = 3;

    public string Name => "transfer";

    public Task<JsonObject> RunAsync(BenchContext context)
    {
        var entries = context.Quick ? 200_000 : 1_000_000;
        var directory = Directory.CreateTempSubdirectory("logservice-bench-transfer-").FullName;
        var identities = Enumerable.Range(0, 4).Select(ReplicaIdentity.CreateEphemeral).ToArray();
        try
        {
            using var keys = new ReplicaKeySet(identities.Select(i => i.PublicKeys).ToArray());
            using var sourceStore = LogStores.OpenSqlite(new SqliteStoreOptions { Path = Path.Combine(directory, "source.db") });
            using var source = new LogCoreStateMachine(sourceStore, identities[0], keys);
            var instance = Fill(source, identities, entries, context.Progress);

            // A checkpoint as the engine takes it: every stream moved since the previous one (the usual case under load).
            source.TakeSnapshot();
            instance = AppendToEveryStream(source, instance);
            var figures = new JsonObject { ["entries"] = entries, ["streams"] = Streams };
            var clock = Stopwatch.StartNew();
            var summary = source.TakeSnapshot();
            figures["checkpoint_ms"] = Stats.Round(clock.Elapsed.TotalMilliseconds, 2);
            figures["checkpoint_bytes"] = summary.Length;

            var parts = new List<double>();
            var whole = new List<double>();
            long partCount = 0, partBytes = 0, wholeBytes = 0;
            double wholeExportMs = 0;
            for (var round = 0; round < Rounds; round++)
            {
                var target = Path.Combine(directory, $"parts-{round}.db");
                clock.Restart();
                (partCount, partBytes) = RebuildFromParts(source, instance, identities[3], keys, target);
                parts.Add(clock.Elapsed.TotalSeconds);

                clock.Restart();
                using var snapshot = new MemoryStream();
                sourceStore.ExportSnapshot(SnapshotScope.WholeReplica, snapshot);
                wholeExportMs = clock.Elapsed.TotalMilliseconds;
                wholeBytes = snapshot.Length;
                using (var wholeStore = LogStores.OpenSqlite(new SqliteStoreOptions { Path = Path.Combine(directory, $"whole-{round}.db") }))
                {
                    snapshot.Position = 0;
                    wholeStore.ImportSnapshot(snapshot);
                }

                whole.Add(clock.Elapsed.TotalSeconds);
                foreach (var file in Directory.GetFiles(directory, $"*-{round}.db*"))
                {
                    File.Delete(file);
                }

                context.Progress.Report("rounds", round + 1, Rounds);
            }

            var partsSeconds = Stats.Percentile(parts, 0.5);
            var wholeSeconds = Stats.Percentile(whole, 0.5);
            figures["parts"] = partCount;
            figures["parts_bytes"] = partBytes;
            figures["transfer_entries_per_s"] = Math.Round(entries / partsSeconds);
            figures["transfer_mb_per_s"] = Stats.Round(partBytes / partsSeconds / 1e6);
            figures["baseline_whole_snapshot_entries_per_s"] = Math.Round(entries / wholeSeconds);
            figures["transfer_to_baseline_ratio"] = Stats.Round(wholeSeconds / partsSeconds, 3);
            figures["whole_snapshot_bytes"] = wholeBytes;
            figures["whole_snapshot_export_ms"] = Stats.Round(wholeExportMs);
            figures["load_average"] = Stats.LoadAverage();
            return Task.FromResult(figures);
        }
        finally
        {
            foreach (var identity in identities)
            {
                identity.Dispose();
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Writes <paramref name="entries"/> entries of the ingest benchmark's events into <see cref="Streams"/> streams.</summary>
    private static long Fill(LogCoreStateMachine source, ReplicaIdentity[] identities, int entries, BenchProgress progress)
    {
        var publicKeys = identities.Select(i => i.PublicKeys).ToArray();
        var keyService = new StreamKeyService(SystemRandomSource.Instance);
        var creates = Enumerable.Range(0, Streams)
            .Select(s => keyService.PrepareStream("tenant-a", $"s{s}", RetentionPolicy.KeepAll, publicKeys, out _))
            .ToArray();
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long instance = 0;
        Execute(source, ++instance, timestamp, creates);

        var parsed = IngestFormats.Native(new IngestLimits(), TimeProvider.System).Parse(Encoding.UTF8.GetBytes(IngestParseScenario.NativeBatch(DateTimeOffset.UtcNow)));
        var drafts = parsed.Entries.Select(EntryCodec.EncodeDraft).ToArray();
        var writer = new WriterIdentity("tenant-a", "cloud-1", "web-1", "svc-shop");
        var batches = entries / drafts.Length;
        for (var b = 0; b < batches; b++)
        {
            Execute(source, ++instance, timestamp + b, [new AppendEntriesCommand(creates[b % Streams].StreamId, writer, $"b{b}", PermissionMasks.Everyone, [.. drafts])]);
            if ((b + 1) % 50 == 0 || b + 1 == batches)
            {
                progress.Report("fill", (b + 1) * (long)drafts.Length, entries);
            }
        }

        return instance;
    }

    private static long AppendToEveryStream(LogCoreStateMachine machine, long instance)
    {
        var writer = new WriterIdentity("tenant-a", "cloud-1", "web-1", "svc-shop");
        var draft = EntryCodec.EncodeDraft(new EntryDraft
        {
            Level = EntryLevel.Information,
            EventType = EventTypes.FromTemplate("one more"),
            Body = new EntryBody { TimestampUnixMicros = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000, MessageTemplate = "one more" },
        });
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000;
        Execute(machine, ++instance, timestamp, Enumerable.Range(0, Streams)
            .Select(s => (LogCommand)new AppendEntriesCommand($"tenant-a/s{s}", writer, $"more-{instance}-{s}", PermissionMasks.Everyone, [draft])).ToArray());
        return instance;
    }

    private static void Execute(LogCoreStateMachine machine, long instance, long timestamp, IReadOnlyList<LogCommand> commands) =>
        machine.Execute(new OrderedBatch(instance, timestamp, instance, commands.Select((c, i) => new OrderedCommand(1000 + i, instance, LogCommandCodec.Encode(c))).ToArray()));

    /// <summary>Rebuilds <paramref name="source"/>'s state into an empty store as a state transfer does; returns the parts and their bytes.</summary>
    private static (long Parts, long Bytes) RebuildFromParts(LogCoreStateMachine source, long instance, ReplicaIdentity identity, ReplicaKeySet keys, string path)
    {
        var summary = source.TakeSnapshot();
        using var store = LogStores.OpenSqlite(new SqliteStoreOptions { Path = path });
        using var target = new LogCoreStateMachine(store, identity, keys);
        long parts = 0, bytes = 0;
        foreach (var first in target.MissingParts(instance, summary))
        {
            for (var part = first; part is not null; parts++)
            {
                var content = source.ReadPart(part) ?? throw new InvalidOperationException("the source lacks a part it summarized");
                // The replier hashes what it sends, and the receiver hashes what it got to compare with the vouched digests.
                var sent = SHA256.HashData(content);
                if (!SHA256.HashData(content).AsSpan().SequenceEqual(sent))
                {
                    throw new InvalidOperationException("a part's digest changed");
                }

                part = target.WritePart(part, content);
                bytes += content.Length;
            }
        }

        target.RestoreSnapshot(instance, summary);
        if (!target.TakeSnapshot().AsSpan().SequenceEqual(summary))
        {
            throw new InvalidOperationException("the rebuilt replica's checkpoint differs from the source's");
        }

        return (parts, bytes);
    }
}
