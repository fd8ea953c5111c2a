namespace LogService.Core.Policies;

/// <summary>The policy in force, kept current as the policy files change.</summary>
public interface IPolicySource : IDisposable
{
    /// <summary>The policy in force: the last version that loaded and validated.</summary>
    PolicySet Current { get; }

    /// <summary>Why the latest reload was rejected, or <see langword="null"/> when it succeeded.</summary>
    PolicyValidationException? LastError { get; }

    /// <summary>Raised after every reload attempt, accepted or rejected.</summary>
    event EventHandler<PolicyReloadedEventArgs>? Reloaded;
}

/// <summary>The outcome of a reload attempt.</summary>
/// <param name="current">The policy in force after the attempt.</param>
/// <param name="error">Why the new files were rejected, or <see langword="null"/> when they were put in force.</param>
public sealed class PolicyReloadedEventArgs(PolicySet current, PolicyValidationException? error) : EventArgs
{
    /// <summary>The policy in force after the attempt.</summary>
    public PolicySet Current { get; } = current;

    /// <summary>Why the new files were rejected, or <see langword="null"/> when they were put in force.</summary>
    public PolicyValidationException? Error { get; } = error;
}
