using Npgsql;

namespace LogService.Storage.Postgres;

/// <summary>Maps PostgreSQL errors to store failures with a message that names the database and the cause.</summary>
internal static class PostgresErrors
{
    public static LogStoreException Translate(string location, NpgsqlException exception) => exception switch
    {
        PostgresException { SqlState: "53100" } => new LogStoreException(StoreFailure.DiskFull, location,
            $"the server's disk is full ({exception.Message}); the failed write was rolled back", exception),
        PostgresException { SqlState: "XX001" or "XX002" } => new LogStoreException(StoreFailure.Corrupted, location,
            $"the server reports damaged data ({exception.Message}); the store refuses to run on it", exception),
        _ => new LogStoreException(StoreFailure.EngineError, location, $"PostgreSQL error: {exception.Message}", exception),
    };
}
