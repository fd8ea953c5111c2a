namespace LogService.Storage.Sqlite;

/// <summary>
/// Makes sync=full commits durable on a thread of its own, so the writer can commit the next batch while the disk
/// flushes the last one (group commit): each <c>fdatasync</c> of the write-ahead log covers every commit registered
/// before it started, however many that are. <see cref="Register"/> hands out a task per commit that completes only
/// after such a sync returned.
/// <para>
/// Why a completed task means the commit is on stable storage:
/// </para>
/// <list type="number">
/// <item>The writer registers a commit only after SQLite returned from it, i.e. after every <c>pwrite</c> of its
/// frames (the commit frame last) returned. The thread reads the highest registered commit before it calls
/// <c>fdatasync</c>, and <c>fdatasync</c> flushes all data written to the file before the call, so it covers that
/// commit and every earlier one. Tasks complete in commit order, so what is acknowledged is always a prefix of the
/// commits, which is also what WAL recovery keeps: it replays frames only up to the first one whose salts or running
/// checksum do not match.</item>
/// <item>Frames written after the sync started (the next batch, committed meanwhile) may or may not be flushed by it;
/// nothing vouches for them until a later sync that started after their commit.</item>
/// <item>The log starting over. Once a checkpoint has copied every frame into the database file, the next commit
/// rewrites the WAL from its first frame under new salts. The checkpointer (<see cref="SqliteCheckpointer"/>) syncs
/// the WAL before copying frames and the database file before it records them as copied (its connection's
/// <c>synchronous</c> setting), and SQLite restarts the log only after that record covers every frame. So a commit
/// whose frames are overwritten before this thread synced them is already durable in the database file; the
/// overwriting commit syncs the new WAL header itself (synchronous=NORMAL still does) and is covered by a later sync.
/// A crash in between leaves either the old log with its valid prefix or the new header with the frames that reached
/// the disk; the old generation's stale frames carry the old salts and are ignored.</item>
/// <item>The database file never holds pages of a commit whose frames could still be lost: the checkpoint's own sync
/// of the WAL precedes its first write to the database file, whether or not this thread has synced those frames.</item>
/// <item>The WAL keeps its file and inode while the writer connection is open (<see cref="SqliteWalSync"/>); this
/// thread stops, after a last sync of whatever is registered, before the store closes that connection.</item>
/// </list>
/// <para>
/// A failed <c>fdatasync</c> is final: Linux may drop the dirty pages it could not write and clear the error, so a
/// retry could succeed without the data ever reaching the disk. The thread fails every pending and later task and
/// reports the failure once, which faults the store; the replica then restarts from what is really on disk.
/// </para>
/// </summary>
internal sealed class SqliteSyncThread : IDisposable
{
    private readonly SqliteWalSync _wal;
    private readonly Func<IOException, Exception> _onFailure;
    private readonly Thread _thread;
    private readonly object _gate = new();
    private readonly Queue<(long Commit, TaskCompletionSource Durable)> _waiting = new();
    private long _registered;
    private bool _stopping;
    private Exception? _failure;

    /// <param name="wal">The write-ahead log to sync; owned by the caller, and used by this thread until disposed.</param>
    /// <param name="onFailure">Called once, on this thread, when a sync failed; returns the exception every pending
    /// and later task fails with.</param>
    public SqliteSyncThread(SqliteWalSync wal, Func<IOException, Exception> onFailure)
    {
        _wal = wal;
        _onFailure = onFailure;
        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite WAL sync" };
        _thread.Start();
    }

    /// <summary>
    /// Registers a commit SQLite has returned from; the task completes once a sync that started after this call
    /// returned, and fails with the sync's exception if the log could not be synced.
    /// </summary>
    public Task Register()
    {
        // Continuations run on the pool: a waiter's work must not delay the next sync.
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

    /// <summary>Syncs whatever is registered, then stops the thread.</summary>
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
        var synced = 0L;
        while (true)
        {
            long target;
            lock (_gate)
            {
                while (_registered == synced && !_stopping)
                {
                    Monitor.Wait(_gate);
                }

                if (_registered == synced)
                {
                    return;
                }

                target = _registered;
            }

            Exception? failure = null;
            try
            {
                _wal.Sync();
            }
            catch (IOException exception)
            {
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

            synced = target;
            foreach (var durable in done)
            {
                durable.SetResult();
            }
        }
    }
}
