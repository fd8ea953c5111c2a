namespace LogService.Sealing;

/// <summary>Thrown when bytes are not a canonical sealed entry (or share, or state) of a known format version.</summary>
public sealed class SealedEntryFormatException : FormatException
{
    /// <summary>Creates the exception with a message naming what was wrong.</summary>
    public SealedEntryFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public SealedEntryFormatException()
    {
    }

    /// <summary>Creates the exception wrapping a cause.</summary>
    public SealedEntryFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
