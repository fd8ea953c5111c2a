using System.Buffers;
using LogService.Replication.Transport;

namespace LogService.Replication.Tcp;

/// <summary>
/// Messages a node sends to itself. They go through a queue and are delivered from another task, never inside
/// <see cref="ITransport.TrySend"/>, so the protocol is not re-entered while it may hold its own locks.
/// </summary>
internal sealed class Loopback(int self, int queueBytes)
{
    public Outbox Outbox { get; } = new(queueBytes);

    public long Dropped => Outbox.Dropped;

    public Task RunAsync(IMessageConsumer consumer) => Task.Run(async () =>
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        while (await Outbox.WaitAsync().ConfigureAwait(false))
        {
            Outbox.ClearSignal();
            int length;
            while ((length = Outbox.Take(ref buffer)) > 0)
            {
                Deliver(consumer, buffer.AsSpan(0, length));
            }
        }

        ArrayPool<byte>.Shared.Return(buffer);
    });

    private void Deliver(IMessageConsumer consumer, ReadOnlySpan<byte> records)
    {
        while (Frame.TryReadRecord(ref records, out _, out var message))
        {
            consumer.OnMessage(self, message);
        }
    }
}

/// <summary>Stands in for the consumer before a transport is started.</summary>
internal sealed class NullConsumer : IMessageConsumer
{
    public static readonly NullConsumer Instance = new();

    public void OnMessage(int from, ReadOnlySpan<byte> message)
    {
    }

    public void OnPeerFault(int from, PeerFault fault, string detail)
    {
    }
}
