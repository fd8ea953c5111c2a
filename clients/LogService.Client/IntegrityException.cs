namespace LogService.Client;

/// <summary>
/// What a replica answered did not survive the client's own checks (a receipt or certified head without enough
/// valid signatures, an inclusion or consistency proof that does not hold, an entry that is not the one asked for).
/// </summary>
public sealed class IntegrityException : Exception
{
    /// <summary>Creates the exception.</summary>
    public IntegrityException()
    {
    }

    /// <summary>Creates the exception with the reason.</summary>
    public IntegrityException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the reason and its cause.</summary>
    public IntegrityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
