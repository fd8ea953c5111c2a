namespace LogService.Core.Policies;

/// <summary>An explainable access decision: what was decided, by which rule, and why.</summary>
/// <param name="Allowed">Whether the request may proceed.</param>
/// <param name="DecidedBy">The rule that decided.</param>
/// <param name="Reason">A short sentence a reviewer or auditor can read.</param>
public sealed record PolicyDecision(bool Allowed, PolicyRuleSource DecidedBy, string Reason)
{
    internal static PolicyDecision Allow(PolicyRuleSource rule, string reason) => new(true, rule, reason);

    internal static PolicyDecision Deny(PolicyRuleSource rule, string reason) => new(false, rule, reason);

    /// <summary>For example "denied by rule tenant-isolation (built-in): ...".</summary>
    public override string ToString() => $"{(Allowed ? "allowed" : "denied")} by {DecidedBy}: {Reason}";
}

/// <summary>A permission mask together with the decision that produced it.</summary>
/// <param name="Mask">The mask; 0 when <see cref="Decision"/> denies.</param>
/// <param name="Decision">The access decision the mask follows from.</param>
public sealed record MaskDecision(ulong Mask, PolicyDecision Decision);
