namespace LogService.Server.Hosting;

/// <summary>
/// Bytes a front end lets into ordering at once, granted first come, first served. A request larger than the whole
/// budget waits until nothing else is in ordering and then goes alone, so it is never starved and never refused for
/// its size here (the ingestion limits do that).
/// </summary>
/// <remarks>
/// The budget, not a count of requests, is what bounds the backlog the replicas hold: at a few hundred kilobytes per
/// batch, the count of replication clients alone let four front ends queue seconds of work at the replicas, every
/// queued batch past the request timeout was ordered and executed for a writer that had already been told to retry,
/// and the useful rate collapsed. Waiting here costs the replicas nothing.
/// </remarks>
internal sealed class ByteBudget
{
    private readonly object _gate = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private readonly long _capacity;
    private long _inUse;

    public ByteBudget(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>Bytes granted and not yet released.</summary>
    public long InUse
    {
        get
        {
            lock (_gate)
            {
                return _inUse;
            }
        }
    }

    /// <summary>Waits until <paramref name="bytes"/> fit and returns the charge to hand back to <see cref="Release"/>.</summary>
    /// <exception cref="OperationCanceledException">The wait was cancelled; nothing is charged.</exception>
    public async ValueTask<long> AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        var charge = Math.Clamp(bytes, 1, _capacity);
        LinkedListNode<Waiter> node;
        lock (_gate)
        {
            if (_waiters.Count == 0 && _inUse + charge <= _capacity)
            {
                _inUse += charge;
                return charge;
            }

            node = _waiters.AddLast(new Waiter(charge));
        }

        await using (cancellationToken.Register(() => Abandon(node, cancellationToken)).ConfigureAwait(false))
        {
            await node.Value.Granted.Task.ConfigureAwait(false);
        }

        return charge;
    }

    /// <summary>
    /// Changes a granted <paramref name="charge"/> to what <paramref name="bytes"/> cost, at once, and returns the new
    /// charge. Less hands the difference back and lets waiters in, in order. More is taken without waiting, past the
    /// capacity if need be: the holder was let in at its turn on an estimate of its size (a request's declared length),
    /// so queueing the difference behind later arrivals would let them overtake it, and two holders each waiting for
    /// the other's bytes would never move. The overdraft only keeps the next waiters out until it has drained.
    /// </summary>
    public long Resize(long charge, long bytes)
    {
        var settled = Math.Clamp(bytes, 1, _capacity);
        lock (_gate)
        {
            _inUse += settled - charge;
            if (settled < charge)
            {
                GrantInOrder();
            }
        }

        return settled;
    }

    /// <summary>Returns a charge and lets in as many waiters, in order, as now fit.</summary>
    public void Release(long charge)
    {
        lock (_gate)
        {
            _inUse -= charge;
            GrantInOrder();
        }
    }

    private void Abandon(LinkedListNode<Waiter> node, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // Already granted: the grant stands and the caller releases it as usual.
            if (node.List is null)
            {
                return;
            }

            _waiters.Remove(node);
            node.Value.Granted.TrySetCanceled(cancellationToken);
            GrantInOrder();
        }
    }

    private void GrantInOrder()
    {
        while (_waiters.First is { } first && _inUse + first.Value.Charge <= _capacity)
        {
            _waiters.RemoveFirst();
            _inUse += first.Value.Charge;
            first.Value.Granted.TrySetResult();
        }
    }

    private sealed class Waiter(long charge)
    {
        public long Charge { get; } = charge;

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
