namespace LogService.Core.Policies;

/// <summary>Where a rule that decided something is written down.</summary>
/// <param name="Rule">The rule's name, unique across the policy files.</param>
/// <param name="File">The policy file's name, or <see cref="BuiltIn"/> for rules the engine always applies.</param>
/// <param name="Line">The 1-based line the rule starts on; 0 for built-in rules.</param>
public sealed record PolicyRuleSource(string Rule, string File, int Line)
{
    /// <summary>The file name reported for rules that are part of the engine rather than of a policy file.</summary>
    public const string BuiltIn = "(built-in)";

    internal static PolicyRuleSource Engine(string rule) => new(rule, BuiltIn, 0);

    /// <inheritdoc/>
    public override string ToString() => Line > 0 ? $"rule {Rule} in file {File}:{Line}" : $"rule {Rule} ({File})";
}
