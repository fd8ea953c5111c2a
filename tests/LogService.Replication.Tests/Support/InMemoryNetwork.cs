using System.Collections.Concurrent;
using LogService.Replication.Transport;

namespace LogService.Replication.Tests.Support;

/// <summary>
/// A real-time in-process network: every transport delivers on its own thread, in order, with no loss. Links can be
/// cut, and a node can be made to send garbage frames or bad MACs, which receivers report through <see cref="IMessageConsumer.OnPeerFault"/>.
/// </summary>
public sealed class InMemoryNetwork
{
    private readonly ConcurrentDictionary<int, Endpoint> endpoints = new();

    /// <summary>Nodes whose messages are dropped in both directions.</summary>
    public ConcurrentDictionary<int, bool> Down { get; } = new();

    /// <summary>Nodes whose every message is replaced by random bytes (odd messages) or reported as a bad MAC (even ones).</summary>
    public ConcurrentDictionary<int, bool> Corrupting { get; } = new();

    public ITransport Connect(int id)
    {
        var e = new Endpoint(this, id);
        endpoints[id] = e;
        return e;
    }

    private void Route(int from, int to, byte[] message)
    {
        if (Down.ContainsKey(from) || Down.ContainsKey(to) || !endpoints.TryGetValue(to, out var target))
        {
            return;
        }

        target.Enqueue(from, message);
    }

    private sealed class Endpoint(InMemoryNetwork network, int self) : ITransport
    {
        private readonly BlockingCollection<(int From, byte[] Message)> inbox = new(100_000);
        private readonly CancellationTokenSource stop = new();
        private Thread? thread;
        private int sent;

        public int Self { get; } = self;

        public Task StartAsync(IMessageConsumer consumer, CancellationToken cancellationToken)
        {
            thread = new Thread(() =>
            {
                try
                {
                    foreach (var (from, message) in inbox.GetConsumingEnumerable(stop.Token))
                    {
                        if (message.Length == 0)
                        {
                            consumer.OnPeerFault(from, PeerFault.BadMac, "test network: bad MAC");
                        }
                        else
                        {
                            consumer.OnMessage(from, message);
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    // Disposed.
                }
            })
            { IsBackground = true, Name = $"net-{Self}" };
            thread.Start();
            return Task.CompletedTask;
        }

        public bool TrySend(int to, ReadOnlySpan<byte> message)
        {
            var copy = message.ToArray();
            if (network.Corrupting.ContainsKey(Self))
            {
                copy = Interlocked.Increment(ref sent) % 2 == 0 ? [] : [.. copy.Select(b => (byte)(b ^ 0x5A))];
            }

            network.Route(Self, to, copy);
            return true;
        }

        public void Enqueue(int from, byte[] message) => inbox.TryAdd((from, message));

        public ValueTask DisposeAsync()
        {
            network.endpoints.TryRemove(Self, out _);
            stop.Cancel();
            thread?.Join();
            inbox.Dispose();
            stop.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
