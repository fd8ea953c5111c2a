using LogService.Replication.Abstractions;

namespace LogService.Replication.TestHost;

/// <summary>Executes nothing and answers every command with an empty reply: the engine's cost alone.</summary>
internal sealed class NullStateMachine : IStateMachine
{
    private long _lastExecuted;

    public long LastExecutedInstance => Volatile.Read(ref _lastExecuted);

    public IReadOnlyList<byte[]> Execute(OrderedBatch batch)
    {
        Volatile.Write(ref _lastExecuted, batch.Instance);
        var replies = new byte[batch.Commands.Count][];
        Array.Fill(replies, []);
        return replies;
    }

    public byte[] ExecuteReadOnly(ReadOnlyMemory<byte> query) => [];

    public byte[] TakeSnapshot() => BitConverter.GetBytes(LastExecutedInstance);

    public void RestoreSnapshot(long instance, ReadOnlyMemory<byte> snapshot) => Volatile.Write(ref _lastExecuted, instance);
}
