namespace LogService.Storage;

/// <summary>Why a store failed.</summary>
public enum StoreFailure
{
    /// <summary>The database file or server reports damaged data.</summary>
    Corrupted,

    /// <summary>The disk or file system is full.</summary>
    DiskFull,

    /// <summary>The stored schema is newer than this code understands.</summary>
    SchemaTooNew,

    /// <summary>A snapshot being imported is truncated, altered or of the wrong format.</summary>
    InvalidSnapshot,

    /// <summary>An earlier write failed; the store refuses further use until reopened.</summary>
    Faulted,

    /// <summary>Any other engine or I/O error.</summary>
    EngineError,
}

/// <summary>A store failure, naming the file or database and the cause.</summary>
public sealed class LogStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LogStoreException(StoreFailure failure, string location, string message, Exception? inner = null)
        : base($"{location}: {message}", inner)
    {
        Failure = failure;
        Location = location;
    }

    /// <summary>The cause, as a category.</summary>
    public StoreFailure Failure { get; }

    /// <summary>The database file path, or the PostgreSQL host and database.</summary>
    public string Location { get; }
}
