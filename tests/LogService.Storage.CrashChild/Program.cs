using System.Globalization;
using LogService.Sealing;
using LogService.Storage;
using LogService.Storage.CrashChild;

// Usage: LogService.Storage.CrashChild DATABASE_FILE [DEPTH]
// Opens the store, resumes every stream's sealer from its stored head, then appends CrashWorkload batches forever.
// With DEPTH 1 (the default) each batch goes through AppendBatch; with a larger DEPTH through AppendBatchPipelined,
// with up to DEPTH batches committed but not yet durable. Prints "commit N" once batch N is committed (pipelined
// only) and "ack N" only after batch N is durable. The crash tests kill this process at random moments.
if (args.Length is < 1 or > 2 || (args.Length == 2 && !int.TryParse(args[1], CultureInfo.InvariantCulture, out _)))
{
    Console.Error.WriteLine("usage: LogService.Storage.CrashChild DATABASE_FILE [DEPTH]");
    return 2;
}

var depth = args.Length == 2 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
using var store = LogStores.OpenSqlite(new SqliteStoreOptions { Path = args[0], Sync = SyncPolicy.Full });
var sealers = CrashWorkload.CreateSealers();
foreach (var stream in CrashWorkload.Streams)
{
    if (store.GetHead(stream) is { } head)
    {
        using var state = SealerState.Decode(head.SealerState);
        sealers[stream].Dispose();
        sealers[stream] = StreamSealer.Resume(state);
    }
}

var output = Console.Out;
output.WriteLine($"ready {store.LastAppliedInstance}");
output.Flush();
var pending = new Queue<(long Instance, Task Durable)>();
for (var instance = store.LastAppliedInstance + 1; ; instance++)
{
    var batch = CrashWorkload.NextBatch(instance, sealers);
    if (depth == 1)
    {
        store.AppendBatch(batch);
        output.WriteLine($"ack {instance}");
        output.Flush();
        continue;
    }

    pending.Enqueue((instance, store.AppendBatchPipelined(batch)));
    output.WriteLine($"commit {instance}");
    output.Flush();
    if (pending.Count == depth)
    {
        var (durableInstance, durable) = pending.Dequeue();
        durable.GetAwaiter().GetResult();
        output.WriteLine($"ack {durableInstance}");
        output.Flush();
    }
}
