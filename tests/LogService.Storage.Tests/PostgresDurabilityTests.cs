using LogService.Storage.Tests.Support;
using Npgsql;

namespace LogService.Storage.Tests;

/// <summary>
/// With sync=full the PostgreSQL writer commits without waiting for the WAL flush and a flusher on its own connection
/// waits for it; these tests hold that flush back, or break it, on the real server and check what the store reports.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresDurabilityTests(PostgresServerFixture server) : IDisposable
{
    private const long T0 = 1_700_000_000_000_000;
    private readonly string _connectionString = server.CreateDatabase("durability_" + Guid.NewGuid().ToString("N")[..12]);
    private readonly TestStream _api = new("acme", "api");

    public void Dispose() => _api.Dispose();

    [Fact]
    public async Task APipelinedBatchIsDurableOnlyOnceTheServerCompletedASynchronousCommitAfterIt()
    {
        using var store = LogStores.OpenPostgres(new PostgresStoreOptions { ConnectionString = _connectionString });
        store.AppendBatch(new DecidedBatchWrite(0, [_api.Open(T0)], [_api.Head()]));
        Task durable;
        try
        {
            // A synchronous standby that never connects: every synchronous commit now waits at the point where it
            // would wait for the WAL flush, and only those. The writer's own commits do not wait.
            SetSynchronousStandbys("nobody");
            durable = store.AppendBatchPipelined(new DecidedBatchWrite(1, [_api.Data(T0 + 1)], [_api.Head()]));

            Assert.Equal(2, store.ReadRange(_api.StreamId, 0, 10).Entries.Count);
            Assert.False(durable.Wait(TimeSpan.FromSeconds(1)), "the batch was reported durable before any synchronous commit completed");
            Assert.Equal(0, store.LastAppliedInstance);
        }
        finally
        {
            SetSynchronousStandbys("");
        }

        // Clearing the setting releases the waiting commit, and with it the batch.
        await durable.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, store.LastAppliedInstance);
    }

    [Fact]
    public async Task AFlushThatFailsFaultsTheStore()
    {
        using var store = LogStores.OpenPostgres(new PostgresStoreOptions { ConnectionString = _connectionString });
        store.AppendBatch(new DecidedBatchWrite(0, [_api.Open(T0)], [_api.Head()]));
        using (var admin = Connect())
        using (var terminate = new NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%logservice-flush%' AND pid <> pg_backend_pid()",
            admin))
        {
            Assert.Equal(1L, terminate.ExecuteScalar());
        }

        var durable = store.AppendBatchPipelined(new DecidedBatchWrite(1, [_api.Data(T0 + 1)], [_api.Head()]));

        await Assert.ThrowsAsync<LogStoreException>(() => durable.WaitAsync(TimeSpan.FromSeconds(30)));
        var refused = Assert.Throws<LogStoreException>(() => store.LastAppliedInstance);
        Assert.Equal(StoreFailure.Faulted, refused.Failure);
    }

    [Fact]
    public void ARoleThatMayNotFlushIsRefusedAtOpen()
    {
        var role = "limited_" + Guid.NewGuid().ToString("N")[..8];
        using (var admin = Connect())
        {
            foreach (var sql in (string[])[
                $"CREATE ROLE {role} LOGIN",
                $"GRANT ALL ON SCHEMA public TO {role}",
                "REVOKE EXECUTE ON FUNCTION pg_logical_emit_message(boolean, text, text) FROM PUBLIC",
            ])
            {
                using var command = new NpgsqlCommand(sql, admin);
                command.ExecuteNonQuery();
            }
        }

        var limited = new NpgsqlConnectionStringBuilder(_connectionString) { Username = role }.ToString();
        var failure = Assert.Throws<LogStoreException>(() => LogStores.OpenPostgres(new PostgresStoreOptions { ConnectionString = limited }));

        Assert.Contains("pg_logical_emit_message", failure.Message, StringComparison.Ordinal);
        // With sync=normal nothing is flushed, so the same role may open the store.
        LogStores.OpenPostgres(new PostgresStoreOptions { ConnectionString = limited, Sync = SyncPolicy.Normal }).Dispose();
    }

    private NpgsqlConnection Connect()
    {
        var connection = new NpgsqlConnection(_connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Sets <c>synchronous_standby_names</c> and waits until synchronous commits obey it.</summary>
    private void SetSynchronousStandbys(string names)
    {
        using var admin = Connect();
        using (var set = new NpgsqlCommand($"ALTER SYSTEM SET synchronous_standby_names = '{names}'", admin))
        {
            set.ExecuteNonQuery();
        }

        using (var reload = new NpgsqlCommand("SELECT pg_reload_conf()", admin))
        {
            reload.ExecuteNonQuery();
        }

        // The checkpointer publishes the change to committing sessions some time after the reload. A probe commit
        // that writes WAL tells: cancelled while waiting for a standby, the server warns that it stopped waiting.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (ProbeWaitsForStandby(admin) != (names.Length > 0))
        {
            Assert.True(DateTime.UtcNow < deadline, $"synchronous_standby_names = '{names}' did not take effect");
            Thread.Sleep(50);
        }
    }

    private static bool ProbeWaitsForStandby(NpgsqlConnection connection)
    {
        var waited = false;
        void OnNotice(object sender, NpgsqlNoticeEventArgs notice) =>
            waited |= notice.Notice.MessageText.Contains("synchronous replication", StringComparison.Ordinal);
        connection.Notice += OnNotice;
        try
        {
            using var probe = new NpgsqlCommand("SELECT pg_logical_emit_message(true, 'probe', '')", connection);
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                probe.ExecuteNonQueryAsync(cancel.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                // The cancel may also reach the statement before its commit; the warning says which.
            }

            return waited;
        }
        finally
        {
            connection.Notice -= OnNotice;
        }
    }
}
