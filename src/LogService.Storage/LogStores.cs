using LogService.Storage.Postgres;
using LogService.Storage.Sqlite;

namespace LogService.Storage;

/// <summary>Opens stores. Opening creates or migrates the schema and refuses a store it cannot trust.</summary>
public static class LogStores
{
    /// <summary>Opens (or creates) the embedded SQLite store.</summary>
    /// <exception cref="LogStoreException">The file is damaged, its schema is newer than this code, or the disk is full.</exception>
    public static ILogStore OpenSqlite(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return SqliteLogStore.Open(options);
    }

    /// <summary>Opens (or creates the schema in) the replica's PostgreSQL database.</summary>
    /// <exception cref="LogStoreException">The schema is newer than this code, or the server reports an error.</exception>
    public static ILogStore OpenPostgres(PostgresStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return PostgresLogStore.Open(options);
    }
}
