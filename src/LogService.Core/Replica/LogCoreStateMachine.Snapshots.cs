using LogService.Storage;

namespace LogService.Core.Replica;

/// <summary>Checkpoint snapshots and state transfer.</summary>
public sealed partial class LogCoreStateMachine
{
    /// <inheritdoc />
    public byte[] TakeSnapshot()
    {
        using var buffer = new MemoryStream();
        _store.ExportSnapshot(SnapshotScope.WholeReplica, buffer);
        return buffer.ToArray();
    }

    /// <inheritdoc />
    public void RestoreSnapshot(long instance, ReadOnlyMemory<byte> snapshot)
    {
        ForgetStreams();
        using var source = new MemoryStream(snapshot.ToArray(), writable: false);
        _store.ImportSnapshot(source);
    }
}
