using LogService.Sealing;
using LogService.Storage;
using LogService.Storage.CrashChild;

// Usage: LogService.Storage.CrashChild DATABASE_FILE
// Opens the store, resumes every stream's sealer from its stored head, then appends CrashWorkload batches forever,
// printing "ack N" only after batch N has committed. The crash test kills this process at random moments.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: LogService.Storage.CrashChild DATABASE_FILE");
    return 2;
}

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
for (var instance = store.LastAppliedInstance + 1; ; instance++)
{
    store.AppendBatch(CrashWorkload.NextBatch(instance, sealers));
    output.WriteLine($"ack {instance}");
    output.Flush();
}
