namespace LogService.Core.Entries;

/// <summary>Bytes that are not a canonical entry encoding: truncated, malformed, or encoded another way than <see cref="EntryCodec"/> would.</summary>
public sealed class EntryEncodingException : Exception
{
    /// <summary>Creates the exception with a reason.</summary>
    public EntryEncodingException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a reason and the error beneath it.</summary>
    public EntryEncodingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic reason.</summary>
    public EntryEncodingException()
        : base("Malformed entry encoding.")
    {
    }
}
