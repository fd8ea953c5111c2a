using LogService.Replication.Abstractions;

namespace LogService.Replication.Tests.Support;

/// <summary>Wraps <see cref="TestStateMachine"/> so tests can read it while a replica's event loop executes.</summary>
public sealed class ThreadSafeStateMachine(TestStateMachine inner) : IStateMachine
{
    private readonly object gate = new();

    public TestStateMachine Inner { get; } = inner;

    public long LastExecutedInstance
    {
        get
        {
            lock (gate)
            {
                return Inner.LastExecutedInstance;
            }
        }
    }

    public long CommandCount
    {
        get
        {
            lock (gate)
            {
                return Inner.CommandCount;
            }
        }
    }

    public IReadOnlyList<byte[]> Execute(OrderedBatch batch)
    {
        lock (gate)
        {
            return Inner.Execute(batch);
        }
    }

    public byte[] ExecuteReadOnly(ReadOnlyMemory<byte> query)
    {
        lock (gate)
        {
            return Inner.ExecuteReadOnly(query);
        }
    }

    public byte[] TakeSnapshot()
    {
        lock (gate)
        {
            return Inner.TakeSnapshot();
        }
    }

    public void RestoreSnapshot(long instance, ReadOnlyMemory<byte> snapshot)
    {
        lock (gate)
        {
            Inner.RestoreSnapshot(instance, snapshot);
        }
    }
}
