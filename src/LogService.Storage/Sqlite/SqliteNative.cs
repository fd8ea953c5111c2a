using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SQLitePCL;

namespace LogService.Storage.Sqlite;

/// <summary>
/// Direct calls into the bundled SQLite library for the append hot path, which binds twelve values per entry.
/// Through SQLitePCL every call reference-counts the statement's safe handle and makes a full GC transition; these
/// calls are short and never block, so they take the raw statement pointer and skip the transition.
/// </summary>
internal static unsafe partial class SqliteNative
{
    private const string Library = "e_sqlite3";

    /// <summary>Tells SQLite to copy a bound blob before the call returns, so the managed array need not stay pinned.</summary>
    private static readonly nint Transient = -1;

    /// <summary>
    /// Puts SQLite in multi-thread mode for this process if no connection was opened yet: connections then take no
    /// mutex on every call. Each of the store's connections is only ever used by one thread at a time, which is all
    /// that mode asks. If SQLite was already initialised the call is refused and serialized mode simply stays.
    /// </summary>
    public static void PreferMultiThreadMode()
    {
        Batteries_V2.Init();
        _ = raw.sqlite3_config(raw.SQLITE_CONFIG_MULTITHREAD);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BindInt64(nint statement, int index, long value) => sqlite3_bind_int64(statement, index, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BindInt(nint statement, int index, int value) => sqlite3_bind_int(statement, index, value);

    public static int BindBlob(nint statement, int index, ReadOnlySpan<byte> value)
    {
        // A zero-length span may have a null pointer, which SQLite would bind as NULL instead of an empty blob.
        fixed (byte* data = value.IsEmpty ? [0] : value)
        {
            return sqlite3_bind_blob(statement, index, data, value.Length, Transient);
        }
    }

    [LibraryImport(Library)]
    [SuppressGCTransition]
    private static partial int sqlite3_bind_int64(nint statement, int index, long value);

    [LibraryImport(Library)]
    [SuppressGCTransition]
    private static partial int sqlite3_bind_int(nint statement, int index, int value);

    [LibraryImport(Library)]
    [SuppressGCTransition]
    private static partial int sqlite3_bind_blob(nint statement, int index, byte* value, int length, nint destructor);
}
