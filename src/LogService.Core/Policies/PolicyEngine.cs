namespace LogService.Core.Policies;

/// <summary>Creates the policy engine's parts; their implementations stay internal.</summary>
public static class PolicyEngine
{
    /// <summary>Loads the policy directory and keeps watching it for changes.</summary>
    /// <param name="options">Where the files are and how changes are debounced.</param>
    /// <returns>The live policy source; dispose it to stop watching.</returns>
    /// <exception cref="PolicyValidationException">The files are invalid at start.</exception>
    public static IPolicySource Watch(PolicyOptions options) => new PolicyDirectoryWatcher(options);

    /// <summary>A policy source that never changes, e.g. for a replay or a test.</summary>
    /// <param name="policy">The policy to keep in force.</param>
    /// <returns>The source.</returns>
    public static IPolicySource Fixed(PolicySet policy) => new FixedPolicySource(policy);

    /// <summary>A decision point over <paramref name="source"/>'s current policy.</summary>
    /// <param name="source">The policy source.</param>
    /// <returns>The decision point.</returns>
    public static IPolicyDecisionPoint DecisionPoint(IPolicySource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new PolicyDecisionPoint(source);
    }

    private sealed class FixedPolicySource(PolicySet policy) : IPolicySource
    {
        public PolicySet Current { get; } = policy ?? throw new ArgumentNullException(nameof(policy));

        public PolicyValidationException? LastError => null;

        public event EventHandler<PolicyReloadedEventArgs>? Reloaded
        {
            add { }
            remove { }
        }

        public void Dispose()
        {
        }
    }
}
