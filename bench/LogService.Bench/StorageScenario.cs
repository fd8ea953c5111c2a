using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using LogService.Sealing;
using LogService.Storage;
using LogService.Storage.Sql;
using LogService.Storage.Sqlite;
using LogService.Storage.Tests.Support;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace LogService.Bench;

/// <summary>
/// Storage (issue 3 §5): appends sealed entries with 256-byte bodies in decided batches of 1,000 to SQLite
/// and PostgreSQL (sync=full; pipelined, each batch counted once durable, and one at a time), times the console's
/// filtered page (level ≥ Warning, one source node, a one-hour window, 100 rows, newest first) over the filled SQLite store, and measures the same rows going into an
/// unindexed table as the baseline. Only the store calls are timed; sealing the rows is not.
/// </summary>
internal sealed class StorageScenario : IBenchScenario
{
    private const int BatchEntries = 1_000;

    /// <summary>PostgreSQL batches appended before the timed ones, not counted.</summary>
    private const int PostgresWarmUpBatches = 100;

    /// <summary>SQLite batches appended before the timed part (two chunks, one of each mode): the JIT's warm-up.</summary>
    private const int SqliteWarmUpBatches = 2 * ChunkBatches;

    /// <summary>Pipelined appends: batches committed but not yet reported durable, at most.</summary>
    private const int PipelineDepth = 3;

    /// <summary>Batches sealed ahead, then appended in one timed run (about 11 MB of entries).</summary>
    private const int ChunkBatches = 25;
    private const int BodyBytes = 256;
    private const int Streams = 20;
    private const int Nodes = 50;
    private const long T0 = 1_700_000_000_000_000;
    private const long Hour = 3_600_000_000;

    // About 41,700 entries an hour, so the one-hour window holds what a busy deployment writes in an hour.
    private const long MicrosPerEntry = 86_400;

    public string Name => "storage";

    public async Task<JsonObject> RunAsync(BenchContext context)
    {
        var stored = context.Quick ? 400_000 : 10_000_000;
        var baselineEntries = context.Quick ? 100_000 : 1_000_000;
        var postgresEntries = context.Quick ? 100_000 : 1_000_000;
        var queries = context.Quick ? 200 : 1_000;
        if (context.Quick)
        {
            context.Progress.Note($"quick run: {stored:N0} stored entries instead of 10,000,000; PostgreSQL and baseline on {postgresEntries:N0}");
        }

        var directory = Directory.CreateTempSubdirectory("logservice-bench-storage-").FullName;
        try
        {
            var sqlite = AppendSqlite(context, directory, stored, baselineEntries);
            var (sqliteRate, baselineRate) = (sqlite.Pipelined.EntriesPerSecond, sqlite.Baseline.EntriesPerSecond);
            var (p50, p99) = QueryPages(context, Path.Combine(directory, "store.db"), stored, queries);
            var postgres = await Task.Run(() => AppendPostgres(context, postgresEntries));
            var postgresRate = postgres.Pipelined.EntriesPerSecond;
            return new JsonObject
            {
                ["sqlite_append_entries_per_s"] = Stats.Round(sqliteRate, 0),
                ["pg_append_entries_per_s"] = Stats.Round(postgresRate, 0),
                ["query_p50_ms"] = Stats.Round(p50, 2),
                ["query_p99_ms"] = Stats.Round(p99, 2),
                ["stored_entries"] = stored + (SqliteWarmUpBatches * BatchEntries),
                ["baseline_append_entries_per_s"] = Stats.Round(baselineRate, 0),
                ["sqlite_vs_baseline"] = Stats.Round(sqliteRate / baselineRate, 2),
                ["sqlite_append_cpu_us_per_entry"] = Stats.Round(sqlite.Pipelined.CpuMicrosPerEntry, 2),
                ["sqlite_append_one_at_a_time_entries_per_s"] = Stats.Round(sqlite.OneAtATime.EntriesPerSecond, 0),
                ["sqlite_append_one_at_a_time_cpu_us_per_entry"] = Stats.Round(sqlite.OneAtATime.CpuMicrosPerEntry, 2),
                ["pg_append_cpu_us_per_entry"] = Stats.Round(postgres.Pipelined.CpuMicrosPerEntry, 2),
                ["pg_server_cpu_us_per_entry"] = Stats.Round(postgres.PipelinedServer.CpuMicrosPerEntry, 2),
                ["pg_append_one_at_a_time_entries_per_s"] = Stats.Round(postgres.OneAtATime.EntriesPerSecond, 0),
                ["pg_append_one_at_a_time_cpu_us_per_entry"] = Stats.Round(postgres.OneAtATime.CpuMicrosPerEntry, 2),
                ["pg_one_at_a_time_server_cpu_us_per_entry"] = Stats.Round(postgres.OneAtATimeServer.CpuMicrosPerEntry, 2),
                ["pg_server_settings"] = postgres.ServerSettings,
                ["pipeline_depth"] = PipelineDepth,
                ["pg_warmup_batches"] = PostgresWarmUpBatches,
                ["sqlite_warmup_batches"] = SqliteWarmUpBatches,
                ["baseline_append_cpu_us_per_entry"] = Stats.Round(sqlite.Baseline.CpuMicrosPerEntry, 2),
                ["sqlite_vs_target"] = Stats.Round(sqliteRate / 150_000, 2),
                ["pg_vs_target"] = Stats.Round(postgresRate / 50_000, 2),
                ["query_p99_vs_target"] = Stats.Round(p99 / 20, 2),
                ["batch_entries"] = BatchEntries,
                ["body_bytes"] = BodyBytes,
                ["sync"] = "full",
            };
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <remarks>
    /// Batches are sealed ahead in chunks, outside the timed part. Chunks alternate between the two ways to append:
    /// pipelined (<see cref="ILogStore.AppendBatchPipelined"/> with at most <see cref="PipelineDepth"/> batches
    /// committed but not yet durable; a batch counts only once its durability task completed, and each chunk's time
    /// runs until its last batch is durable, so no sync overlaps untimed work) and one at a time
    /// (<see cref="ILogStore.AppendBatch"/>). The baseline takes the same batches one at a time. Besides the rates,
    /// reports the process CPU time per entry of each phase: on a shared machine the rates swing with other load,
    /// while CPU time per entry varies much less between runs. The first <see cref="SqliteWarmUpBatches"/> batches, one
    /// chunk of each mode, go into the store before anything is timed: they time the JIT, not the store.
    /// </remarks>
    private static SqliteFigures AppendSqlite(BenchContext context, string directory, int total, int baselineTotal)
    {
        using var store = LogStores.OpenSqlite(new SqliteStoreOptions { Path = Path.Combine(directory, "store.db"), Sync = SyncPolicy.Full });
        using var baseline = new UnindexedTable(Path.Combine(directory, "baseline.db"));
        using var workload = new Workload();
        using var process = Process.GetCurrentProcess();
        Phase pipelined = default, oneAtATime = default, unindexed = default;
        var pending = new Queue<Task>(PipelineDepth);
        var chunk = new List<DecidedBatchWrite>(ChunkBatches);
        for (var done = -SqliteWarmUpBatches * BatchEntries; done < total; done += chunk.Count * BatchEntries)
        {
            chunk.Clear();
            for (var i = 0; i < ChunkBatches && done + (i * BatchEntries) < total; i++)
            {
                chunk.Add(workload.NextBatch());
            }

            var isPipelined = done / BatchEntries / ChunkBatches % 2 == 0;
            var cpu = CpuTime(process);
            var clock = Stopwatch.StartNew();
            AppendChunk(store, chunk, isPipelined, pending);
            if (done < 0)
            {
                continue;
            }

            var measured = new Phase(chunk.Count * BatchEntries, clock.Elapsed, CpuTime(process) - cpu);
            if (isPipelined)
            {
                pipelined += measured;
            }
            else
            {
                oneAtATime += measured;
            }

            if (done < baselineTotal)
            {
                cpu = CpuTime(process);
                clock.Restart();
                foreach (var batch in chunk)
                {
                    baseline.Append(batch.Entries);
                }

                unindexed += new Phase(chunk.Count * BatchEntries, clock.Elapsed, CpuTime(process) - cpu);
            }

            context.Progress.Report("sqlite append", done, total);
        }

        return new SqliteFigures(pipelined, oneAtATime, unindexed);
    }

    /// <summary>
    /// Appends a chunk one batch at a time, or pipelined with at most <see cref="PipelineDepth"/> batches not yet
    /// durable; returns once every batch of the chunk is durable.
    /// </summary>
    private static void AppendChunk(ILogStore store, List<DecidedBatchWrite> chunk, bool pipelined, Queue<Task> pending)
    {
        foreach (var batch in chunk)
        {
            if (!pipelined)
            {
                store.AppendBatch(batch);
                continue;
            }

            if (pending.Count == PipelineDepth)
            {
                pending.Dequeue().GetAwaiter().GetResult();
            }

            pending.Enqueue(store.AppendBatchPipelined(batch));
        }

        while (pending.Count > 0)
        {
            pending.Dequeue().GetAwaiter().GetResult();
        }
    }

    /// <summary>Entries appended in a phase, the wall time they took and the process CPU time meanwhile.</summary>
    private readonly record struct Phase(long Entries, TimeSpan Wall, TimeSpan Cpu)
    {
        public double EntriesPerSecond => Entries / Wall.TotalSeconds;

        public double CpuMicrosPerEntry => Cpu.TotalMicroseconds / Entries;

        public static Phase operator +(Phase a, Phase b) => new(a.Entries + b.Entries, a.Wall + b.Wall, a.Cpu + b.Cpu);
    }

    private readonly record struct SqliteFigures(Phase Pipelined, Phase OneAtATime, Phase Baseline);

    private static TimeSpan CpuTime(Process process)
    {
        process.Refresh();
        return process.TotalProcessorTime;
    }

    private static (double P50, double P99) QueryPages(BenchContext context, string path, int stored, int queries)
    {
        using var store = LogStores.OpenSqlite(new SqliteStoreOptions { Path = path, CheckIntegrityOnOpen = false });
        var random = new Random(7);
        var span = stored * MicrosPerEntry;
        var samples = new List<double>(queries);
        for (var i = -queries / 10; i < queries; i++)
        {
            var from = T0 + (long)(random.NextDouble() * Math.Max(1, span - Hour));
            var query = new EntryQuery
            {
                Filter = new EntryFilter { MinLevel = 3, SourceNode = $"node-{random.Next(Nodes)}", FromMicros = from, ToMicros = from + Hour },
                PageSize = 100,
            };
            var clock = Stopwatch.StartNew();
            var page = store.Query(query);
            var elapsed = clock.Elapsed.TotalMilliseconds;
            if (i >= 0)
            {
                // The first tenth warms the page cache and the JIT and is not counted.
                samples.Add(elapsed);
            }

            if (page.Entries.Count == 0)
            {
                throw new InvalidOperationException("a filtered page came back empty; the workload does not match the query");
            }
        }

        context.Progress.Note($"{queries} filtered pages queried");
        return (Stats.Percentile(samples, 0.50), Stats.Percentile(samples, 0.99));
    }

    /// <remarks>
    /// As <see cref="AppendSqlite"/>: chunks of batches sealed ahead, alternating pipelined and one at a time, a
    /// pipelined batch counted only once durable. The first <see cref="PostgresWarmUpBatches"/> batches are not
    /// counted: until the JIT has compiled Npgsql's and the store's hot paths, which takes about that many batches
    /// here, the client process spends several times its steady CPU per entry, and the quick run times only 100
    /// batches. Besides the client process's CPU time per entry, reports the server's (all its processes'), which
    /// is where most of an append's work happens.
    /// </remarks>
    private static PostgresFigures AppendPostgres(BenchContext context, int total)
    {
        context.Progress.Note("starting a temporary PostgreSQL server");
        using var server = TemporaryPostgresServer.Start();
        var connectionString = server.CreateDatabase("bench");
        using var store = LogStores.OpenPostgres(new PostgresStoreOptions { ConnectionString = connectionString, Sync = SyncPolicy.Full });
        using var workload = new Workload();
        using var process = Process.GetCurrentProcess();
        Phase pipelined = default, oneAtATime = default, pipelinedServer = default, oneAtATimeServer = default;
        var pending = new Queue<Task>(PipelineDepth);
        var chunk = new List<DecidedBatchWrite>(ChunkBatches);
        for (var done = -PostgresWarmUpBatches * BatchEntries; done < total; done += chunk.Count * BatchEntries)
        {
            chunk.Clear();
            for (var i = 0; i < ChunkBatches && done + (i * BatchEntries) < total; i++)
            {
                chunk.Add(workload.NextBatch());
            }

            var isPipelined = Math.Abs(done / BatchEntries / ChunkBatches % 2) == 0;
            var cpu = CpuTime(process);
            var serverCpu = server.CpuTime();
            var clock = Stopwatch.StartNew();
            AppendChunk(store, chunk, isPipelined, pending);

            if (done < 0)
            {
                continue;
            }

            var wall = clock.Elapsed;
            var measured = new Phase(chunk.Count * BatchEntries, wall, CpuTime(process) - cpu);
            var onServer = new Phase(chunk.Count * BatchEntries, wall, server.CpuTime() - serverCpu);
            if (isPipelined)
            {
                pipelined += measured;
                pipelinedServer += onServer;
            }
            else
            {
                oneAtATime += measured;
                oneAtATimeServer += onServer;
            }

            context.Progress.Report("postgres append", done, total);
        }

        return new PostgresFigures(pipelined, oneAtATime, pipelinedServer, oneAtATimeServer, ServerSettings(connectionString));
    }

    /// <summary>The PostgreSQL phases: the client process's CPU time, and separately the server's.</summary>
    private readonly record struct PostgresFigures(
        Phase Pipelined, Phase OneAtATime, Phase PipelinedServer, Phase OneAtATimeServer, string ServerSettings);

    /// <summary>The server's version and the settings that decide an append's durability and cost, as it ran.</summary>
    private static string ServerSettings(string connectionString)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(
            "SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name) FROM pg_settings " +
            "WHERE name IN ('server_version', 'fsync', 'full_page_writes', 'synchronous_commit', 'wal_sync_method', " +
            "'shared_buffers', 'wal_buffers', 'max_wal_size')",
            connection);
        return (string)command.ExecuteScalar()!;
    }

    /// <summary>Decided batches of sealed entries: 20 streams, 50 source nodes, mostly Information.</summary>
    private sealed class Workload : IDisposable
    {
        private static readonly byte[] LevelMix = [0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 4, 5];
        private readonly StreamSealer[] _sealers = new StreamSealer[Streams];
        private readonly Random _random = new(42);
        private readonly byte[] _body = new byte[BodyBytes];
        private long _instance;
        private long _entryIndex;

        public Workload()
        {
            for (var s = 0; s < Streams; s++)
            {
                _sealers[s] = StreamSealer.Create(StreamId(s), SHA256.HashData(Encoding.UTF8.GetBytes(StreamId(s))));
            }
        }

        public DecidedBatchWrite NextBatch()
        {
            var entries = new List<EntryRecord>(BatchEntries);
            var touched = new HashSet<int>();
            for (var i = 0; i < BatchEntries; i++, _entryIndex++)
            {
                var s = _random.Next(Streams);
                touched.Add(s);
                var sealer = _sealers[s];
                var metadata = new EntryMetadata(T0 + (_entryIndex * MicrosPerEntry), LevelMix[_random.Next(LevelMix.Length)], Tenant(s),
                    $"cloud-{s % 3}", $"node-{_random.Next(Nodes)}", $"svc-{s}", $"event-{_random.Next(30)}", 1UL << _random.Next(4));
                _random.NextBytes(_body);
                var sealedEntry = sealer.NextSequence == 0 ? sealer.SealOpen(metadata) : sealer.SealData(metadata, _body);
                var header = sealedEntry.Header;
                entries.Add(new EntryRecord(header.Tenant, header.StreamId, header.Sequence, header.ConsensusTimestamp, header.Level,
                    header.SourceCloud, header.SourceNode, header.SourceUser, header.EventType, header.PermissionMask, (byte)header.Kind,
                    sealedEntry.Encoded.ToArray()));
            }

            var heads = touched.Select(s => new StreamHead(StreamId(s), Tenant(s), _sealers[s].NextSequence - 1, _sealers[s].Head.ToArray(),
                BitConverter.GetBytes(_sealers[s].NextSequence), new byte[96], RetentionPolicy.KeepAll)).ToList();
            return new DecidedBatchWrite(_instance++, entries, heads);
        }

        public void Dispose()
        {
            foreach (var sealer in _sealers)
            {
                sealer.Dispose();
            }
        }

        private static string Tenant(int stream) => $"tenant-{stream % 4}";

        private static string StreamId(int stream) => $"{Tenant(stream)}/stream-{stream}";
    }

    /// <summary>
    /// The baseline: the same rows (names stored as ids, as the store does) in a table without any index, same insert
    /// path, sync policy (each commit made durable the way the store does it) and batching.
    /// </summary>
    private sealed class UnindexedTable : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteEntryInsert _insert;
        private readonly SqliteWalSync _walSync;
        private readonly NameDictionary _names = new();

        public UnindexedTable(string path)
        {
            _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            _connection.Open();
            Execute("PRAGMA journal_mode = WAL");
            Execute("PRAGMA synchronous = NORMAL");
            Execute("PRAGMA cache_size = -65536");
            Execute("CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
            Execute("CREATE TABLE entries (stream_id INTEGER, seq INTEGER, tenant_id INTEGER, ts INTEGER, level INTEGER, source_cloud_id INTEGER, " +
                "source_node_id INTEGER, source_user_id INTEGER, event_type_id INTEGER, w_mask INTEGER, kind INTEGER, sealed BLOB)");
            _insert = new SqliteEntryInsert(_connection);
            _walSync = SqliteWalSync.Open(path);
        }

        public void Append(IReadOnlyList<EntryRecord> entries)
        {
            using var transaction = _connection.BeginTransaction();
            _insert.Insert(entries, _names.Resolve(entries, transaction));
            transaction.Commit();
            _walSync.Sync();
            _names.Committed();
        }

        public void Dispose()
        {
            _insert.Dispose();
            _walSync.Dispose();
            _names.Dispose();
            _connection.Dispose();
        }

        private void Execute(string sql)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }
}
