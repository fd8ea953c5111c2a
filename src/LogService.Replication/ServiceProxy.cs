using LogService.Replication.Events;
using LogService.Replication.Protocol;
using LogService.Replication.Transport;

namespace LogService.Replication;

/// <summary>
/// A client's handle on the replicated service. Each invocation gets a fresh sequence number, goes to every replica,
/// is retransmitted until f+1 replicas return the same reply, and returns that reply. Invocations on one proxy run
/// one at a time (replicas execute each client's requests in sequence order); use one proxy per concurrent client.
/// </summary>
public sealed class ServiceProxy : IAsyncDisposable
{
    private readonly ITransport transport;
    private readonly ClientCore core;
    private readonly object gate = new();
    private readonly SemaphoreSlim one = new(1, 1);
    private readonly Timer timer;
    private readonly Task started;

    /// <summary>Creates a proxy whose client id is <see cref="ITransport.Self"/> and starts its transport. It takes ownership of <paramref name="transport"/>.</summary>
    /// <exception cref="ArgumentException">An option is invalid, or the transport's id is not a client id.</exception>
    public ServiceProxy(ReplicationOptions options, ITransport transport, ReplicationEventStream? events = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(transport);
        options.Validate();
        if (transport.Self < NodeIds.FirstClientId)
        {
            throw new ArgumentException($"the transport's id {transport.Self} is not a client id (>= {NodeIds.FirstClientId})", nameof(transport));
        }

        this.transport = transport;
        var host = new ProxyHost(transport);
        var retransmit = (long)options.RequestTimeout.TotalMilliseconds;
        core = new ClientCore(transport.Self, options.ReplicaCount, host, retransmit, events);
        var period = TimeSpan.FromMilliseconds(Math.Clamp(retransmit / 4, 1, 250));
        timer = new Timer(_ => Tick(), null, period, period);
        started = transport.StartAsync(new Consumer(this), CancellationToken.None);
    }

    /// <summary>The leader as reported by f+1 replicas' replies.</summary>
    public int Leader
    {
        get
        {
            lock (gate)
            {
                return core.Leader;
            }
        }
    }

    /// <summary>Orders <paramref name="request"/> through consensus and returns the reply f+1 replicas agree on.</summary>
    public Task<byte[]> InvokeOrderedAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default) =>
        InvokeAsync(request, readOnly: false, cancellationToken);

    /// <summary>
    /// Runs <paramref name="query"/> without ordering on every replica and returns the reply f+1 agree on; falls back
    /// to an ordered invocation when they disagree or do not answer in time.
    /// </summary>
    public Task<byte[]> InvokeReadOnlyAsync(ReadOnlyMemory<byte> query, CancellationToken cancellationToken = default) =>
        InvokeAsync(query, readOnly: true, cancellationToken);

    /// <summary>Stops retransmitting and disposes the transport.</summary>
    public async ValueTask DisposeAsync()
    {
        await timer.DisposeAsync().ConfigureAwait(false);
        lock (gate)
        {
            core.Cancel();
        }

        await transport.DisposeAsync().ConfigureAwait(false);
        one.Dispose();
    }

    private async Task<byte[]> InvokeAsync(ReadOnlyMemory<byte> payload, bool readOnly, CancellationToken cancellationToken)
    {
        await started.ConfigureAwait(false);
        await one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (gate)
            {
                core.Start(payload.ToArray(), readOnly, r => result.TrySetResult(r));
            }

            using (cancellationToken.Register(() =>
            {
                lock (gate)
                {
                    core.Cancel();
                }

                result.TrySetCanceled(cancellationToken);
            }))
            {
                return await result.Task.ConfigureAwait(false);
            }
        }
        finally
        {
            one.Release();
        }
    }

    private void Tick()
    {
        lock (gate)
        {
            core.Tick();
        }
    }

    private void OnMessage(int from, ReadOnlySpan<byte> message)
    {
        lock (gate)
        {
            core.OnMessage(from, message);
        }
    }

    private sealed class Consumer(ServiceProxy proxy) : IMessageConsumer
    {
        public void OnMessage(int from, ReadOnlySpan<byte> message) => proxy.OnMessage(from, message);

        public void OnPeerFault(int from, PeerFault fault, string detail)
        {
        }
    }

    private sealed class ProxyHost(ITransport transport) : IReplicaHost
    {
        public long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        public long NextNonce() => 0;

        public void Send(int to, ReadOnlySpan<byte> message) => transport.TrySend(to, message);
    }
}
