using Microsoft.Data.Sqlite;

namespace LogService.Storage.Sqlite;

/// <summary>Maps SQLite result codes to store failures with a message that names the file and the cause.</summary>
internal static class SqliteErrors
{
    private const int Corrupt = 11;
    private const int Full = 13;
    private const int NotADatabase = 26;
    private const int IoError = 10;

    public static LogStoreException Translate(string path, SqliteException exception) => exception.SqliteErrorCode switch
    {
        Corrupt or NotADatabase => new LogStoreException(StoreFailure.Corrupted, path,
            $"the database file is damaged or is not a SQLite database (SQLite error {exception.SqliteExtendedErrorCode}: {exception.Message}); the store refuses to run on it",
            exception),
        Full => new LogStoreException(StoreFailure.DiskFull, path,
            $"the disk holding the database is full (SQLite error {exception.SqliteExtendedErrorCode}); the failed write was rolled back and nothing committed before it is lost",
            exception),
        IoError => new LogStoreException(StoreFailure.EngineError, path,
            $"an I/O error occurred on the database file (SQLite error {exception.SqliteExtendedErrorCode}: {exception.Message})",
            exception),
        _ => new LogStoreException(StoreFailure.EngineError, path,
            $"SQLite error {exception.SqliteExtendedErrorCode}: {exception.Message}", exception),
    };
}
