namespace LogService.Core.Entries;

/// <summary>
/// Severity of an entry, numbered as Serilog's <c>LogEventLevel</c> so the byte stored in a clear header
/// reads the same in every tool that speaks Serilog.
/// </summary>
public enum EntryLevel : byte
{
    /// <summary>Tracing detail, normally off in production.</summary>
    Verbose = 0,

    /// <summary>Internal detail useful when diagnosing.</summary>
    Debug = 1,

    /// <summary>Normal operation; the default when a writer names no level.</summary>
    Information = 2,

    /// <summary>Something unexpected that the system survived.</summary>
    Warning = 3,

    /// <summary>A failure of one operation.</summary>
    Error = 4,

    /// <summary>A failure that stops the service.</summary>
    Fatal = 5,
}
