using System.Data.Common;
using LogService.Storage.Sql;
using LogService.Storage.Tests.Support;

namespace LogService.Storage.Tests;

/// <summary>Schema migration: a store written by the first schema opens with the same contents under the current one.</summary>
public abstract partial class LogStoreContractTests
{
    /// <summary>Creates the store called <paramref name="name"/> at schema version 1 and returns an open raw connection to it.</summary>
    protected abstract DbConnection CreateVersion1(string name);

    [Fact]
    public void Version1StoreMigratesWithTheSameContents()
    {
        using var api = new TestStream("acme", "api");
        using var web = new TestStream("globex", "web");
        List<EntryRecord> entries =
        [
            api.Open(T0), web.Open(T0),
            api.Data(T0 + 1, level: 4, node: "node-7", user: "zoë"), web.Data(T0 + 1, node: "node-7", eventType: "login"),
            api.Data(T0 + 2, cloud: "cloud-b", mask: 6), web.Data(T0 + 3, level: 5, node: "node-8"),
        ];
        using (var connection = CreateVersion1("v1"))
        {
            foreach (var entry in entries)
            {
                InsertVersion1Row(connection, entry);
            }

            using var head = SqlCommands.Create(connection,
                $"INSERT INTO stream_heads ({SqlCommands.HeadColumns}) VALUES (@stream, @tenant, @last_seq, @y_head, @merkle_state, @sealer_state, NULL, 9)");
            head.Add("@stream", api.StreamId);
            head.Add("@tenant", api.Tenant);
            head.Add("@last_seq", 2L);
            head.Add("@y_head", api.Head().YHead);
            head.Add("@merkle_state", api.Head().MerkleState);
            head.Add("@sealer_state", api.Head().SealerState);
            head.ExecuteNonQuery();
            using var instance = SqlCommands.Create(connection, "UPDATE replica_state SET applied_instance = 3 WHERE id = 1");
            instance.ExecuteNonQuery();
        }

        var store = Open("v1");

        Assert.Equal(3, store.LastAppliedInstance);
        Assert.Equal(api.Head(new RetentionPolicy(null, 9)) with { YHead = [], MerkleState = [], SealerState = [] },
            store.GetHead(api.StreamId)! with { YHead = [], MerkleState = [], SealerState = [] });
        var apiEntries = store.ReadRange(api.StreamId, 0, 10).Entries;
        Assert.Equal(3, apiEntries.Count);
        foreach (var (expected, actual) in entries.Where(e => e.StreamId == api.StreamId).Zip(apiEntries))
        {
            AssertSameEntry(expected, actual);
        }

        // Row order survives: the newest-first page lists every entry in reverse insertion order.
        var all = store.Query(new EntryQuery { PageSize = 10 }).Entries;
        Assert.Equal(entries.AsEnumerable().Reverse().Select(e => (e.StreamId, e.Sequence)), all.Select(e => (e.StreamId, e.Sequence)));
        var nodeSeven = store.Query(new EntryQuery { Filter = new EntryFilter { SourceNode = "node-7" }, PageSize = 10 }).Entries;
        Assert.Equal([(web.StreamId, 1L), (api.StreamId, 1L)], nodeSeven.Select(e => (e.StreamId, e.Sequence)));
        Assert.Equal(3, store.Count(new EntryFilter { Tenant = "globex" }));
        Assert.Equal(1, store.Count(new EntryFilter { SourceUser = "zoë" }));
        Assert.Equal(0, store.Count(new EntryFilter { SourceUser = "nobody" }));

        // The migrated store keeps appending: names it already holds are reused, new ones are added.
        store.AppendBatch(new DecidedBatchWrite(4, [api.Data(T0 + 4, node: "node-7"), api.Data(T0 + 5, node: "node-9")], [api.Head()]));
        Assert.Equal(5, store.ReadRange(api.StreamId, 0, 10).Entries.Count);
        Assert.Equal(3, store.Count(new EntryFilter { SourceNode = "node-7" }));
        Assert.Null(ChainVerifier.VerifyFromGenesis(store.ReadRange(api.StreamId, 0, 10).Entries, api.StreamId));
    }

    private static void InsertVersion1Row(DbConnection connection, EntryRecord entry)
    {
        using var command = SqlCommands.Create(connection,
            "INSERT INTO entries (stream, seq, tenant, ts, level, source_cloud, source_node, source_user, event_type, w_mask, kind, sealed) " +
            "VALUES (@stream, @seq, @tenant, @ts, @level, @cloud, @node, @user, @event_type, @w_mask, @kind, @sealed)");
        command.Add("@stream", entry.StreamId);
        command.Add("@seq", entry.Sequence);
        command.Add("@tenant", entry.Tenant);
        command.Add("@ts", entry.TimestampMicros);
        command.Add("@level", (short)entry.Level);
        command.Add("@cloud", entry.SourceCloud);
        command.Add("@node", entry.SourceNode);
        command.Add("@user", entry.SourceUser);
        command.Add("@event_type", entry.EventType);
        command.Add("@w_mask", unchecked((long)entry.PermissionMask));
        command.Add("@kind", (short)entry.Kind);
        command.Add("@sealed", entry.SealedEntry);
        command.ExecuteNonQuery();
    }
}
