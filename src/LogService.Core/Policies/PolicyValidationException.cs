namespace LogService.Core.Policies;

/// <summary>A policy file that cannot be put in force, with where and why.</summary>
public sealed class PolicyValidationException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="file">The policy file's name.</param>
    /// <param name="line">The 1-based line of the offending element; 0 when the problem concerns the whole file.</param>
    /// <param name="reason">What is wrong.</param>
    public PolicyValidationException(string file, int line, string reason)
        : base($"{file}:{line}: {reason}")
    {
        File = file;
        Line = line;
        Reason = reason;
    }

    /// <summary>The policy file's name.</summary>
    public string File { get; }

    /// <summary>The 1-based line of the offending element; 0 when the problem concerns the whole file.</summary>
    public int Line { get; }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }
}
