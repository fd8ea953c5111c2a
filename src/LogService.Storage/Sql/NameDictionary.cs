using System.Data.Common;
using System.Globalization;

namespace LogService.Storage.Sql;

/// <summary>The integer ids an entry row stores in place of its strings (schema version 2).</summary>
internal readonly record struct EntryNameIds(long Stream, long Tenant, long SourceCloud, long SourceNode, long SourceUser, long EventType);

/// <summary>
/// The writer's side of the <c>names</c> table: entries store their stream, tenant, source and event-type strings as
/// ids into it, so the indexes compare small integers instead of text. Every id is cached in memory (loaded at open;
/// only this writer adds names). A name seen for the first time is inserted inside the caller's transaction and
/// forgotten again unless that transaction commits. Used only under the store's write lock.
/// </summary>
internal sealed class NameDictionary : IDisposable
{
    private readonly Dictionary<string, long> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _uncommitted = [];
    private DbCommand? _insert;
    private EntryNameIds[] _resolved = new EntryNameIds[1024];

    /// <summary>Reads every stored name; called once after the schema is current.</summary>
    public void Load(DbConnection connection)
    {
        _ids.Clear();
        using var command = SqlCommands.Create(connection, "SELECT id, name FROM names");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            _ids[reader.GetString(1)] = Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture);
        }
    }

    /// <summary>
    /// The ids of every entry's names, inserting new names in <paramref name="transaction"/>. The span is reused by
    /// the next call.
    /// </summary>
    public ReadOnlySpan<EntryNameIds> Resolve(IReadOnlyList<EntryRecord> entries, DbTransaction transaction)
    {
        if (_resolved.Length < entries.Count)
        {
            _resolved = new EntryNameIds[Math.Max(entries.Count, _resolved.Length * 2)];
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            _resolved[i] = new EntryNameIds(
                IdOf(entry.StreamId, transaction),
                IdOf(entry.Tenant, transaction),
                IdOf(entry.SourceCloud, transaction),
                IdOf(entry.SourceNode, transaction),
                IdOf(entry.SourceUser, transaction),
                IdOf(entry.EventType, transaction));
        }

        return _resolved.AsSpan(0, entries.Count);
    }

    /// <summary>The transaction that inserted the new names committed: they are now stored.</summary>
    public void Committed() => _uncommitted.Clear();

    /// <summary>The transaction did not commit: the names it inserted do not exist.</summary>
    public void RolledBack()
    {
        foreach (var name in _uncommitted)
        {
            _ids.Remove(name);
        }

        _uncommitted.Clear();
    }

    public void Dispose() => _insert?.Dispose();

    private long IdOf(string name, DbTransaction transaction)
    {
        if (_ids.TryGetValue(name, out var id))
        {
            return id;
        }

        if (_insert is null)
        {
            _insert = SqlCommands.Create(transaction.Connection!, "INSERT INTO names (name) VALUES (@name) RETURNING id");
            _insert.Add("@name", name);
        }

        _insert.Transaction = transaction;
        _insert.Set("@name", name);
        id = Convert.ToInt64(_insert.ExecuteScalar(), CultureInfo.InvariantCulture);
        _ids.Add(name, id);
        _uncommitted.Add(name);
        return id;
    }
}
