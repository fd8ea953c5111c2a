using System.Threading.Channels;
using LogService.Replication.Abstractions;
using LogService.Replication.Events;
using LogService.Replication.Tcp;

namespace LogService.Replication.TestHost;

/// <summary>
/// Runs one <see cref="ReplicaNode"/> over TCP until the parent goes away. Its statistics line,
/// <c>stats batches=B commands=C dropped=D</c>, is printed on request and at the end.
/// </summary>
internal static class ReplicaHost
{
    /// <param name="cluster">The cluster.</param>
    /// <param name="id">This replica's id.</param>
    /// <param name="state"><c>null</c> (the benchmark's) or <c>chain</c> (durable, for the multi-process test).</param>
    /// <param name="dataDirectory">Where the write-ahead log and the chain file live; null keeps the log in memory.</param>
    /// <param name="printEvents">Whether to print leader changes, state transfers and misbehaviour on standard error.</param>
    public static async Task RunAsync(ClusterConfig cluster, int id, string state, string? dataDirectory, bool printEvents)
    {
        if (dataDirectory is not null)
        {
            Directory.CreateDirectory(dataDirectory);
        }

        var machine = new CountingStateMachine(state switch
        {
            "null" => new NullStateMachine(),
            "chain" => new ChainStateMachine(
                Path.Combine(dataDirectory ?? throw new ArgumentException("the chain state machine needs --data"), "chain.txt"), cluster.SyncWrites),
            _ => throw new ArgumentException($"unknown state machine '{state}'"),
        });
        var transport = TcpTransport.CreateReplica(cluster.ReplicaTransport(id));
        var events = new ReplicationEventStream();
        using var subscription = printEvents ? events.Subscribe() : null;
        var printing = subscription is null ? Task.CompletedTask : PrintAsync(subscription);
        await using (var node = new ReplicaNode(cluster.Replication(id, dataDirectory is null ? null : Path.Combine(dataDirectory, "wal")), transport, machine, events))
        {
            await node.StartAsync(CancellationToken.None);
            void PrintStats() => Console.Out.WriteLine(
                $"stats batches={machine.Batches} commands={machine.Commands} dropped={transport.DroppedMessages}");
            await Task.WhenAny(Lifetime.RunUntilParentExitsAsync(PrintStats), node.Completion);
            if (node.Completion.IsFaulted)
            {
                Console.Error.WriteLine($"replica {id} failed: {node.Completion.Exception}");
            }

            PrintStats();
        }

        subscription?.Dispose();
        await printing;
    }

    private static async Task PrintAsync(EventSubscription subscription)
    {
        try
        {
            await foreach (var e in subscription.Reader.ReadAllAsync())
            {
                if (e.Kind is not (ReplicationEventKind.MessageSent or ReplicationEventKind.MessageReceived
                    or ReplicationEventKind.Decided or ReplicationEventKind.Executed))
                {
                    Console.Error.WriteLine(e.ToString());
                }
            }
        }
        catch (ChannelClosedException)
        {
        }
    }

    /// <summary>Counts batches and commands for the closing statistics line (the benchmark's batch size).</summary>
    private sealed class CountingStateMachine(IStateMachine inner) : IStateMachine
    {
        private long _batches;
        private long _commands;

        public long Batches => Interlocked.Read(ref _batches);

        public long Commands => Interlocked.Read(ref _commands);

        public long LastExecutedInstance => inner.LastExecutedInstance;

        public IReadOnlyList<byte[]> Execute(OrderedBatch batch)
        {
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _commands, batch.Commands.Count);
            return inner.Execute(batch);
        }

        public byte[] ExecuteReadOnly(ReadOnlyMemory<byte> query) => inner.ExecuteReadOnly(query);

        public byte[] TakeSnapshot() => inner.TakeSnapshot();

        public void RestoreSnapshot(long instance, ReadOnlyMemory<byte> snapshot) => inner.RestoreSnapshot(instance, snapshot);
    }
}
