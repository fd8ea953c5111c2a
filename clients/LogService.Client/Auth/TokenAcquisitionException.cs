namespace LogService.Client.Auth;

/// <summary>The issuer would not give a token (its <c>error</c> and <c>error_description</c>, or why the exchange failed).</summary>
public sealed class TokenAcquisitionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TokenAcquisitionException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TokenAcquisitionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public TokenAcquisitionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
