using System.Runtime.InteropServices;
using LogService.Replication.Events;
using LogService.Replication.Protocol;
using LogService.Replication.Transport;

namespace LogService.Replication;

/// <summary>
/// A client's handle on the replicated service. Each invocation gets a fresh sequence number, goes to every replica,
/// and is retransmitted until enough replicas agree: f+1 identical replies for the overloads that return one reply;
/// a caller-chosen number of replies that agree on a caller-chosen part for the overloads that return every reply of
/// the quorum (receipts, certificates). Invocations on one proxy run one at a time (replicas execute each client's
/// requests in sequence order); use one proxy per concurrent client. Many proxies may share one process's client
/// connections (<see cref="Tcp.TcpTransport.CreateClients"/>).
/// </summary>
public sealed class ServiceProxy : IAsyncDisposable
{
    private readonly ITransport transport;
    private readonly int faults;
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
        faults = options.FaultsTolerated;
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
    public async Task<byte[]> InvokeOrderedAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default) =>
        (await InvokeAsync(request, readOnly: false, faults + 1, null, cancellationToken).ConfigureAwait(false))[0].Payload;

    /// <summary>
    /// Runs <paramref name="query"/> without ordering on every replica and returns the reply f+1 agree on; falls back
    /// to an ordered invocation when they disagree or do not answer in time.
    /// </summary>
    public async Task<byte[]> InvokeReadOnlyAsync(ReadOnlyMemory<byte> query, CancellationToken cancellationToken = default) =>
        (await InvokeAsync(query, readOnly: true, faults + 1, null, cancellationToken).ConfigureAwait(false))[0].Payload;

    /// <summary>
    /// Orders <paramref name="request"/> through consensus and completes as soon as <paramref name="matching"/>
    /// distinct replicas have sent replies whose <paramref name="agreedPart"/> is byte-identical, returning exactly
    /// those replies (in replica order) so the caller can collect their per-replica parts, e.g. signatures. Replies
    /// that arrive after the quorum is reached are not waited for or collected: a receipt needs exactly the quorum.
    /// </summary>
    /// <param name="request">The command.</param>
    /// <param name="matching">How many replies must agree: f+1 (at least one correct replica) to n-f (2f+1 when n = 3f+1).</param>
    /// <param name="agreedPart">
    /// Maps a reply to the bytes every correct replica produces identically (for example, dropping a trailer with the
    /// replica's id and signature). It runs on the proxy's receive path for every reply, including replies a faulty
    /// replica crafted: it must be fast, side-effect free and accept any bytes; a reply on which it throws is ignored.
    /// </param>
    /// <param name="cancellationToken">Abandons the wait; the request may still execute.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="matching"/> is outside [f+1, n-f].</exception>
    public Task<IReadOnlyList<ReplicaReply>> InvokeOrderedAsync(
        ReadOnlyMemory<byte> request, int matching, Func<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>> agreedPart,
        CancellationToken cancellationToken = default) =>
        InvokeQuorumAsync(request, readOnly: false, matching, agreedPart, cancellationToken);

    /// <summary>
    /// Runs <paramref name="query"/> without ordering on every replica and completes like
    /// <see cref="InvokeOrderedAsync(ReadOnlyMemory{byte}, int, Func{ReadOnlyMemory{byte}, ReadOnlyMemory{byte}}, CancellationToken)"/>.
    /// When the first n-f replies hold no such quorum, or the replies do not come in time, the query is re-issued as
    /// an ordered request, whose replies then form the quorum.
    /// </summary>
    /// <param name="query">The query.</param>
    /// <param name="matching">How many replies must agree: f+1 to n-f.</param>
    /// <param name="agreedPart">Maps a reply to the bytes to compare; the same rules as for ordered invocations.</param>
    /// <param name="cancellationToken">Abandons the wait.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="matching"/> is outside [f+1, n-f].</exception>
    public Task<IReadOnlyList<ReplicaReply>> InvokeReadOnlyAsync(
        ReadOnlyMemory<byte> query, int matching, Func<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>> agreedPart,
        CancellationToken cancellationToken = default) =>
        InvokeQuorumAsync(query, readOnly: true, matching, agreedPart, cancellationToken);

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

    /// <summary>
    /// The payload's array itself when it spans a whole one (a command encoded for this call, typically): the call
    /// holds it only until it completes, and a batch-sized copy would be large-object garbage.
    /// </summary>
    private static byte[] WholeArrayOrCopy(ReadOnlyMemory<byte> payload) =>
        MemoryMarshal.TryGetArray(payload, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : payload.ToArray();

    private Task<IReadOnlyList<ReplicaReply>> InvokeQuorumAsync(
        ReadOnlyMemory<byte> payload, bool readOnly, int matching, Func<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>> agreedPart,
        CancellationToken cancellationToken)
    {
        // The core checks matching against f+1 and n-f.
        ArgumentNullException.ThrowIfNull(agreedPart);
        return InvokeAsync(payload, readOnly, matching, agreedPart, cancellationToken);
    }

    private async Task<IReadOnlyList<ReplicaReply>> InvokeAsync(
        ReadOnlyMemory<byte> payload, bool readOnly, int matching, Func<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>>? agreedPart,
        CancellationToken cancellationToken)
    {
        await started.ConfigureAwait(false);
        await one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = new TaskCompletionSource<IReadOnlyList<ReplicaReply>>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (gate)
            {
                core.Start(WholeArrayOrCopy(payload), readOnly, matching, agreedPart, r => result.TrySetResult(r));
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
