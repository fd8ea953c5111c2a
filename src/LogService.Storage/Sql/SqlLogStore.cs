using System.Data.Common;

namespace LogService.Storage.Sql;

/// <summary>
/// The part of the contract both engines implement with the same SQL: validation, heads, certified heads, queries,
/// retention and snapshots. Engines supply connections, the bulk entry insert and the translation of their errors.
/// </summary>
internal abstract partial class SqlLogStore : ILogStore
{
    /// <summary>Heads written by one statement; a batch touching more streams takes one statement per this many.</summary>
    private const int HeadsPerStatement = 32;

    private const int HeadParameters = 8;

    private readonly Lock _writeLock = new();
    private readonly NameDictionary _names = new();
    private readonly Dictionary<int, DbCommand> _writeHeads = [];

    // Each stream's last stored entry, loaded on first use; used under the write lock only.
    private readonly Dictionary<string, StoredPosition?> _lastStored = new(StringComparer.Ordinal);
    // Committed batches whose durability is pending, oldest first, and the last durable instance; guarded by the queue.
    private readonly Queue<(Task Durable, long Instance)> _pendingApplied = new();
    private LogStoreException? _fault;
    private long _lastAppliedInstance = -1;
    private long _lastCommittedInstance = -1;
    private bool _disposed;

    protected SqlLogStore(string location, int segmentEntries)
    {
        Location = location;
        SegmentEntries = segmentEntries;
    }

    /// <summary>The file path or database the store names in its errors.</summary>
    protected string Location { get; }

    /// <summary>Entries per retention segment.</summary>
    protected int SegmentEntries { get; }

    /// <summary>The single writer connection; used only under the write lock.</summary>
    protected abstract DbConnection Writer { get; }

    public long LastAppliedInstance
    {
        get
        {
            ThrowIfUnusable();
            return DurableInstance();
        }
    }

    /// <summary>Opens a connection for reading; readers never block the writer.</summary>
    protected abstract DbConnection OpenReader();

    /// <summary>Begins a read-only transaction that sees one consistent state and takes no write lock.</summary>
    protected abstract DbTransaction BeginReadTransaction(DbConnection reader);

    /// <summary>
    /// Inserts entries inside the writer's open transaction, as fast as the engine allows, storing
    /// <paramref name="names"/>[i] in place of entry i's strings.
    /// </summary>
    protected abstract void InsertEntries(DbTransaction transaction, IReadOnlyList<EntryRecord> entries, ReadOnlySpan<EntryNameIds> names);

    /// <summary>Maps an engine exception to a <see cref="LogStoreException"/> naming the store and the cause.</summary>
    protected abstract LogStoreException Translate(Exception exception);

    /// <summary>
    /// Called on the writer after each write transaction committed, under the write lock, before the write returns or
    /// its instance is published; an engine exception thrown here faults the store. Returns a task that completes
    /// when the commit is durable (for an engine whose commit is durable when it returns, a completed task); tasks of
    /// successive commits must complete in commit order, and one that fails must fault the store.
    /// </summary>
    protected virtual Task OnCommitted() => Task.CompletedTask;

    /// <summary>Called inside the writer's transaction after entries were deleted, for an engine that summarises them.</summary>
    protected virtual void EntriesDeleted(DbTransaction transaction)
    {
    }

    /// <summary>Closes the engine's connections.</summary>
    protected abstract void CloseEngine();

    /// <summary>Whether an exception came from the engine (and so is translated), rather than from a caller bug.</summary>
    protected abstract bool IsEngineException(Exception exception);

    /// <summary>Loads what the store caches in memory; called once by the engine after opening.</summary>
    protected void LoadState()
    {
        using var command = SqlCommands.Create(Writer, "SELECT applied_instance FROM replica_state WHERE id = 1");
        SetInstance(Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
        _names.Load(Writer);
    }

    public void AppendBatch(DecidedBatchWrite batch) => AppendBatchPipelined(batch).GetAwaiter().GetResult();

    public Task AppendBatchPipelined(DecidedBatchWrite batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_writeLock)
        {
            ThrowIfUnusable();
            var lastByStream = BatchValidator.Validate(batch, _lastCommittedInstance, LastStored, (stream, sequence) => IsStored(stream, sequence, null));
            Task durable;
            try
            {
                using var transaction = Writer.BeginTransaction();
                InsertEntries(transaction, batch.Entries);
                WriteHeads(transaction, batch.Heads, batch.Instance);
                transaction.Commit();
                durable = OnCommitted();
                _names.Committed();
            }
            catch (Exception exception) when (exception is not LogStoreException)
            {
                _names.RolledBack();
                throw Fault(exception);
            }

            _lastCommittedInstance = batch.Instance;
            foreach (var (stream, last) in lastByStream)
            {
                _lastStored[stream] = last;
            }

            lock (_pendingApplied)
            {
                // Published as the last applied instance only once durable (DurableInstance).
                _pendingApplied.Enqueue((durable, batch.Instance));
            }

            DurableInstance();
            return durable;
        }
    }

    public StreamHead? GetHead(string streamId)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        return Read(connection =>
        {
            using var command = SqlCommands.Create(connection, $"SELECT {SqlCommands.HeadColumns} FROM stream_heads WHERE stream = @stream");
            command.Add("@stream", streamId);
            using var reader = command.ExecuteReader();
            return reader.Read() ? SqlCommands.ReadHead(reader) : null;
        });
    }

    public IReadOnlyList<StreamHead> GetHeads() => Read(connection =>
    {
        using var command = SqlCommands.Create(connection, $"SELECT {SqlCommands.HeadColumns} FROM stream_heads ORDER BY stream");
        return ReadAll(command, SqlCommands.ReadHead);
    });

    public StreamSlice ReadRange(string streamId, long fromSequence, long toSequence)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fromSequence, toSequence);
        return Read(connection =>
        {
            using var entries = SqlCommands.Create(connection,
                $"SELECT {SqlCommands.EntryColumns} FROM entry_rows WHERE stream_id = {SqlCommands.StreamIdParameter} AND seq >= @from_seq AND seq <= @to_seq ORDER BY seq");
            entries.Add("@stream", streamId);
            entries.Add("@from_seq", fromSequence);
            entries.Add("@to_seq", toSequence);
            var found = ReadAll(entries, SqlCommands.ReadEntry);
            using var tombstones = SqlCommands.Create(connection,
                $"SELECT {SqlCommands.TombstoneColumns} FROM tombstones WHERE stream = @stream AND last_seq >= @from_seq AND first_seq <= @to_seq ORDER BY first_seq");
            tombstones.Add("@stream", streamId);
            tombstones.Add("@from_seq", fromSequence);
            tombstones.Add("@to_seq", toSequence);
            return new StreamSlice(found, ReadAll(tombstones, SqlCommands.ReadTombstone));
        });
    }

    public void RecordCertifiedHead(CertifiedHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentException.ThrowIfNullOrEmpty(head.StreamId);
        Write(transaction => InsertCertifiedHead(transaction, head));
    }

    public CertifiedHead? GetLatestCertifiedHead(string streamId)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        return Read(connection =>
        {
            using var command = SqlCommands.Create(connection,
                $"SELECT {SqlCommands.CertifiedHeadColumns} FROM certified_heads WHERE stream = @stream ORDER BY seq DESC LIMIT 1");
            command.Add("@stream", streamId);
            using var reader = command.ExecuteReader();
            return reader.Read() ? SqlCommands.ReadCertifiedHead(reader) : null;
        });
    }

    public void Dispose()
    {
        lock (_writeLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var command in _writeHeads.Values)
            {
                command.Dispose();
            }

            _names.Dispose();
            CloseEngine();
        }
    }

    /// <summary>Runs a read on a fresh reader connection, translating engine errors.</summary>
    protected T Read<T>(Func<DbConnection, T> read)
    {
        ThrowIfUnusable();
        try
        {
            using var connection = OpenReader();
            return read(connection);
        }
        catch (Exception exception) when (IsEngineException(exception))
        {
            var translated = Translate(exception);
            if (translated.Failure == StoreFailure.Corrupted)
            {
                // Damage found by a read condemns the store just as a failed write does.
                Volatile.Write(ref _fault, translated);
            }

            throw translated;
        }
    }

    /// <summary>Runs one write transaction under the write lock; any engine failure faults the store.</summary>
    protected void Write(Action<DbTransaction> write)
    {
        lock (_writeLock)
        {
            ThrowIfUnusable();
            Task durable;
            try
            {
                using var transaction = Writer.BeginTransaction();
                write(transaction);
                transaction.Commit();
                _names.Committed();
                durable = OnCommitted();
            }
            catch (Exception exception) when (IsEngineException(exception))
            {
                _names.RolledBack();
                throw Fault(exception);
            }
            catch
            {
                _names.RolledBack();
                throw;
            }

            // Under the lock: these writes are rare, and whatever follows them expects them durable.
            durable.GetAwaiter().GetResult();
        }
    }

    /// <summary>The stream's last stored entry (cached), or null when it has none.</summary>
    private StoredPosition? LastStored(string streamId)
    {
        if (!_lastStored.TryGetValue(streamId, out var last))
        {
            last = LoadLastStored(streamId, null);
            _lastStored[streamId] = last;
        }

        return last;
    }

    /// <summary>Reads the stream's last stored entry on the writer, inside <paramref name="transaction"/> when one is open.</summary>
    private StoredPosition? LoadLastStored(string streamId, DbTransaction? transaction)
    {
        using var command = SqlCommands.Create(Writer,
            $"SELECT seq, ts FROM entries WHERE stream_id = {SqlCommands.StreamIdParameter} ORDER BY seq DESC LIMIT 1", transaction);
        command.Add("@stream", streamId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new StoredPosition(reader.GetInt64(0), reader.GetInt64(1)) : null;
    }

    private bool IsStored(string streamId, long sequence, DbTransaction? transaction)
    {
        using var command = SqlCommands.Create(Writer, $"SELECT 1 FROM entries WHERE stream_id = {SqlCommands.StreamIdParameter} AND seq = @seq", transaction);
        command.Add("@stream", streamId);
        command.Add("@seq", sequence);
        return command.ExecuteScalar() is not null and not DBNull;
    }

    /// <summary>
    /// Replaces the applied instance after a write that set it outright (opening, importing a whole snapshot); every
    /// earlier commit is durable by then.
    /// </summary>
    private void SetInstance(long instance)
    {
        lock (_pendingApplied)
        {
            _pendingApplied.Clear();
            _lastCommittedInstance = instance;
            _lastAppliedInstance = instance;
        }
    }

    /// <summary>Publishes the instances of commits that became durable, in commit order, and returns the last.</summary>
    private long DurableInstance()
    {
        lock (_pendingApplied)
        {
            while (_pendingApplied.TryPeek(out var pending) && pending.Durable.IsCompletedSuccessfully)
            {
                _lastAppliedInstance = _pendingApplied.Dequeue().Instance;
            }

            return _lastAppliedInstance;
        }
    }

    protected static List<T> ReadAll<T>(DbCommand command, Func<DbDataReader, T> map)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    /// <summary>Inserts entries with their names resolved to ids, adding names not stored yet.</summary>
    private void InsertEntries(DbTransaction transaction, IReadOnlyList<EntryRecord> entries) =>
        InsertEntries(transaction, entries, _names.Resolve(entries, transaction));

    /// <summary>Faults the store with <paramref name="exception"/> (translated when it comes from the engine); safe on any thread.</summary>
    protected LogStoreException Fault(Exception exception)
    {
        var translated = exception as LogStoreException ?? Translate(exception);
        Volatile.Write(ref _fault, translated);
        return translated;
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Volatile.Read(ref _fault) is { } fault)
        {
            throw new LogStoreException(StoreFailure.Faulted, Location,
                $"the store refuses further use after an earlier failure ({fault.Failure}: {fault.Message}); fix the cause and reopen it", fault);
        }
    }

    /// <summary>
    /// Upserts <paramref name="heads"/> and records <paramref name="instance"/> (when given) in one statement per
    /// <see cref="HeadsPerStatement"/> heads, usually one: a statement per head cost PostgreSQL a round trip each.
    /// Every statement sets the same instance.
    /// </summary>
    private void WriteHeads(DbTransaction transaction, IReadOnlyList<StreamHead> heads, long? instance)
    {
        if (heads.Count == 0 && instance is null)
        {
            return;
        }

        var done = 0;
        do
        {
            var count = Math.Min(HeadsPerStatement, heads.Count - done);
            var command = HeadsCommand(count, instance is not null);
            command.Transaction = transaction;
            var parameters = command.Parameters;
            for (var i = 0; i < count; i++)
            {
                var head = heads[done + i];
                var at = i * HeadParameters;
                parameters[at].Value = head.StreamId;
                parameters[at + 1].Value = head.Tenant;
                parameters[at + 2].Value = head.LastSequence;
                parameters[at + 3].Value = head.YHead;
                parameters[at + 4].Value = head.MerkleState;
                parameters[at + 5].Value = head.SealerState;
                parameters[at + 6].Value = head.Retention.MaxAgeMicros ?? (object)DBNull.Value;
                parameters[at + 7].Value = head.Retention.MaxCount ?? (object)DBNull.Value;
            }

            if (instance is not null)
            {
                parameters[count * HeadParameters].Value = instance.Value;
            }

            command.ExecuteNonQuery();
            done += count;
        }
        while (done < heads.Count);
    }

    private DbCommand HeadsCommand(int count, bool withInstance)
    {
        var key = (count * 2) + (withInstance ? 1 : 0);
        if (_writeHeads.TryGetValue(key, out var command))
        {
            return command;
        }

        var rows = Enumerable.Range(0, count).Select(i => $"(@s{i}, @t{i}, @q{i}, @y{i}, @m{i}, @z{i}, @a{i}, @c{i})");
        var upsert = count == 0 ? "" :
            $"INSERT INTO stream_heads ({SqlCommands.HeadColumns}) VALUES {string.Join(", ", rows)} " +
            "ON CONFLICT (stream) DO UPDATE SET tenant = excluded.tenant, last_seq = excluded.last_seq, y_head = excluded.y_head, " +
            "merkle_state = excluded.merkle_state, sealer_state = excluded.sealer_state, " +
            "retention_max_age_us = excluded.retention_max_age_us, retention_max_count = excluded.retention_max_count; ";
        command = SqlCommands.Create(Writer, upsert + (withInstance ? "UPDATE replica_state SET applied_instance = @instance WHERE id = 1" : ""));
        for (var i = 0; i < count; i++)
        {
            foreach (var name in (string[])["s", "t", "q", "y", "m", "z", "a", "c"])
            {
                command.Add($"@{name}{i}", null);
            }
        }

        if (withInstance)
        {
            command.Add("@instance", 0L);
        }

        _writeHeads[key] = command;
        return command;
    }

    private void InsertCertifiedHead(DbTransaction transaction, CertifiedHead head)
    {
        using var command = SqlCommands.Create(Writer,
            $"INSERT INTO certified_heads ({SqlCommands.CertifiedHeadColumns}) VALUES (@stream, @seq, @y_head, @merkle_root, @instance, @signatures) " +
            "ON CONFLICT (stream, seq) DO UPDATE SET y_head = excluded.y_head, merkle_root = excluded.merkle_root, " +
            "instance = excluded.instance, signatures = excluded.signatures",
            transaction);
        command.Add("@stream", head.StreamId);
        command.Add("@seq", head.Sequence);
        command.Add("@y_head", head.YHead);
        command.Add("@merkle_root", head.MerkleRoot);
        command.Add("@instance", head.Instance);
        command.Add("@signatures", head.Signatures);
        command.ExecuteNonQuery();
    }
}
