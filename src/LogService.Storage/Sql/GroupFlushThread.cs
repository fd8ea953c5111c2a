namespace LogService.Storage.Sql;

/// <summary>
/// Group commit on a thread of its own: the writer registers each commit once the engine has answered it, and the
/// thread runs one flush after another, each covering every commit registered before it started, however many
/// (why a flush covers them is the engine's argument, made where the flush is defined). <see cref="Register"/>
/// hands out a task per commit that completes only after such a flush returned; tasks complete in commit order.
/// A failed flush is final: the thread fails every pending and later task and reports the failure once.
/// </summary>
internal sealed class GroupFlushThread : IDisposable
{
    private readonly Action _flush;
    private readonly Func<Exception, Exception> _onFailure;
    private readonly Thread _thread;
    private readonly object _gate = new();
    private readonly Queue<(long Commit, TaskCompletionSource Durable)> _waiting = new();
    private long _registered;
    private bool _stopping;
    private Exception? _failure;

    /// <param name="name">The thread's name.</param>
    /// <param name="flush">Makes every commit registered before the call durable; throws when it cannot.</param>
    /// <param name="onFailure">Called once, on this thread, when a flush threw; returns the exception every pending
    /// and later task fails with.</param>
    public GroupFlushThread(string name, Action flush, Func<Exception, Exception> onFailure)
    {
        _flush = flush;
        _onFailure = onFailure;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>
    /// Registers a commit the engine has answered; the task completes once a flush that started after this call
    /// returned, and fails with the flush's exception if it could not be made durable.
    /// </summary>
    public Task Register()
    {
        // Continuations run on the pool: a waiter's work must not delay the next flush.
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_failure is not null)
            {
                durable.SetException(_failure);
                return durable.Task;
            }

            _waiting.Enqueue((++_registered, durable));
            Monitor.Pulse(_gate);
        }

        return durable.Task;
    }

    /// <summary>Flushes whatever is registered, then stops the thread.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.Pulse(_gate);
        }

        _thread.Join();
    }

    private void Run()
    {
        var flushed = 0L;
        while (true)
        {
            long target;
            lock (_gate)
            {
                while (_registered == flushed && !_stopping)
                {
                    Monitor.Wait(_gate);
                }

                if (_registered == flushed)
                {
                    return;
                }

                target = _registered;
            }

            Exception? failure = null;
            try
            {
                _flush();
            }
            catch (Exception exception)
            {
                // Whatever the cause, the commits are not known durable.
                failure = _onFailure(exception);
            }

            var done = new List<TaskCompletionSource>();
            lock (_gate)
            {
                if (failure is not null)
                {
                    _failure = failure;
                    target = _registered;
                }

                while (_waiting.Count > 0 && _waiting.Peek().Commit <= target)
                {
                    done.Add(_waiting.Dequeue().Durable);
                }
            }

            if (failure is not null)
            {
                foreach (var durable in done)
                {
                    durable.SetException(failure);
                }

                return;
            }

            flushed = target;
            foreach (var durable in done)
            {
                durable.SetResult();
            }
        }
    }
}
