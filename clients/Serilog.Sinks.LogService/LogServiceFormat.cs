namespace Serilog.Sinks.LogService;

/// <summary>How batches are sent to the service.</summary>
public enum LogServiceFormat
{
    /// <summary>CLEF lines to <c>POST /api/v1/streams/{tenant}/{name}/clef</c>; batch id and sequence start in headers. The default: the buffer already holds CLEF, so nothing is re-encoded.</summary>
    Clef,

    /// <summary>LogService's native batch to <c>POST /api/v1/streams/{tenant}/{name}/entries</c>, with the source hints in the body.</summary>
    Native,
}
