using System.Security.Cryptography;

namespace LogService.Sealing.Escrow;

/// <summary>Secret shares that are damaged, mismatched, too few, or do not combine to the committed secret.</summary>
public sealed class ShareIntegrityException : CryptographicException
{
    /// <summary>Creates the exception with a message naming the problem.</summary>
    public ShareIntegrityException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public ShareIntegrityException()
    {
    }

    /// <summary>Creates the exception wrapping a cause.</summary>
    public ShareIntegrityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
