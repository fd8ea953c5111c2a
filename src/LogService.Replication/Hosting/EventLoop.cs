using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using LogService.Replication.Durability;
using LogService.Replication.Protocol;
using LogService.Replication.Transport;

namespace LogService.Replication.Hosting;

/// <summary>
/// Runs a <see cref="ReplicaCore"/> on one dedicated thread with the wall clock. Transport threads copy each message
/// into a pooled buffer and enqueue it; the loop processes everything queued, runs due timers, flushes the WAL once
/// for the whole round (group commit) and only then transmits the round's messages. Decided batches execute on the loop
/// thread, or, when asked, on a second thread, in order, so the protocol keeps ordering while the state machine seals
/// and stores; each finished execution then comes back to the loop as an input of its own.
/// </summary>
internal sealed class EventLoop(ITransport transport, IWalStore store, bool executeInBackground = false) : IMessageConsumer, IReplicaHost, IAsyncDisposable
{
    /// <summary>Inputs handled per round before outputs are flushed, bounding latency under load.</summary>
    private const int MaxInputsPerRound = 512;

    private readonly ConcurrentQueue<Inbound> inbox = new();
    private readonly BlockingCollection<Action> executions = [];
    private readonly ConcurrentQueue<Action> executed = new();
    private readonly AutoResetEvent executedSignal = new(false);
    private Thread? executor;
    private int executionsInFlight;
    private readonly AutoResetEvent wake = new(false);
    private readonly List<(int To, byte[] Buffer, int Length)> outbox = [];
    private readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ReplicaCore? core;
    private Thread? thread;
    private volatile bool stopping;

    /// <summary>1 while the loop is about to wait or waiting; only then does an input need to signal <see cref="wake"/>.</summary>
    private int sleeping;

    public Task Completion => completion.Task;

    public long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public void Attach(ReplicaCore replicaCore) => core = replicaCore;

    public long NextNonce() => Random.Shared.NextInt64();

    public bool ExecutesInBackground => executeInBackground;

    public void ExecuteInOrder(Func<IReadOnlyList<byte[]>> work, Action<IReadOnlyList<byte[]>> then)
    {
        executionsInFlight++;
        executions.Add(() =>
        {
            Action continuation;
            try
            {
                var result = work();
                continuation = () => then(result);
            }
            catch (Exception e)
            {
                var failure = ExceptionDispatchInfo.Capture(e);
                continuation = failure.Throw;
            }

            executed.Enqueue(() =>
            {
                executionsInFlight--;
                continuation();
            });
            executedSignal.Set();
            Wake();
        });
    }

    public void WaitForExecutions()
    {
        while (executionsInFlight > 0)
        {
            executedSignal.WaitOne(100);
            RunExecuted();
        }
    }

    public void Send(int to, ReadOnlySpan<byte> message)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(message.Length);
        message.CopyTo(buffer);
        outbox.Add((to, buffer, message.Length));
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (thread is not null)
        {
            throw new InvalidOperationException("already started");
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        thread = new Thread(() => Run(started)) { IsBackground = true, Name = $"replica-{transport.Self}" };
        thread.Start();
        await started.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await transport.StartAsync(this, cancellationToken).ConfigureAwait(false);
    }

    public void OnMessage(int from, ReadOnlySpan<byte> message)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(message.Length);
        message.CopyTo(buffer);
        inbox.Enqueue(new Inbound(from, buffer, message.Length, null, null));
        Wake();
    }

    public void OnPeerFault(int from, PeerFault fault, string detail)
    {
        inbox.Enqueue(new Inbound(from, [], 0, fault, detail));
        Wake();
    }

    public async ValueTask DisposeAsync()
    {
        // Stop the loop first, so it never sends through a disposed transport; late inbound messages are simply not processed.
        stopping = true;
        wake.Set();
        if (thread is not null)
        {
            await completion.Task.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }

        // A batch being executed finishes (the state machine persists it whole); its replies are not sent.
        executions.CompleteAdding();
        executor?.Join();

        await transport.DisposeAsync().ConfigureAwait(false);
        store.Dispose();
        wake.Dispose();
        executedSignal.Dispose();
        executions.Dispose();
    }

    private void Run(TaskCompletionSource started)
    {
        var replica = core!;
        executor = new Thread(() =>
        {
            foreach (var execution in executions.GetConsumingEnumerable())
            {
                execution();
            }
        })
        { IsBackground = true, Name = $"replica-{transport.Self}-execution" };
        executor.Start();
        try
        {
            replica.Start();
            FlushOutputs();
            started.SetResult();
            while (!stopping)
            {
                var wait = replica.NextDeadline - Now;
                if (wait > 0)
                {
                    // Announce the wait before the last look at the queue (both full fences), so an input enqueued
                    // after that look sees the flag and signals; inputs that arrive while the loop runs signal nothing.
                    Interlocked.Exchange(ref sleeping, 1);
                    if (inbox.IsEmpty && executed.IsEmpty)
                    {
                        wake.WaitOne((int)Math.Min(wait, 1000));
                    }

                    Interlocked.Exchange(ref sleeping, 0);
                }

                RunExecuted();
                for (var i = 0; i < MaxInputsPerRound && inbox.TryDequeue(out var input); i++)
                {
                    if (input.Fault is { } fault)
                    {
                        replica.OnPeerFault(input.From, fault, input.Detail!);
                        continue;
                    }

                    replica.OnMessage(input.From, input.Buffer.AsSpan(0, input.Length));
                    ArrayPool<byte>.Shared.Return(input.Buffer);
                }

                if (Now >= replica.NextDeadline)
                {
                    replica.Tick();
                }

                FlushOutputs();
            }

            completion.TrySetResult();
        }
        catch (Exception e)
        {
            started.TrySetException(e);
            completion.TrySetException(e);
        }
    }

    /// <summary>Runs the continuations of the executions that finished, in order.</summary>
    private void RunExecuted()
    {
        while (executed.TryDequeue(out var continuation))
        {
            continuation();
        }
    }

    /// <summary>Signals the loop only if it is waiting, saving a kernel transition per message while it is busy.</summary>
    private void Wake()
    {
        if (Interlocked.Exchange(ref sleeping, 0) == 1)
        {
            wake.Set();
        }
    }

    /// <summary>Makes the round's WAL records durable, then transmits the round's messages.</summary>
    private void FlushOutputs()
    {
        if (outbox.Count == 0)
        {
            store.Flush();
            return;
        }

        store.Flush();
        foreach (var (to, buffer, length) in outbox)
        {
            transport.TrySend(to, buffer.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(buffer);
        }

        outbox.Clear();
    }

    private readonly record struct Inbound(int From, byte[] Buffer, int Length, PeerFault? Fault, string? Detail);
}
