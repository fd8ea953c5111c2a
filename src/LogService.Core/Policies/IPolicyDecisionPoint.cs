namespace LogService.Core.Policies;

/// <summary>
/// Answers access questions against the policy currently in force. Every answer is deny-by-default and names
/// the rule that decided it. Implementations are safe to call from many threads.
/// </summary>
public interface IPolicyDecisionPoint
{
    /// <summary>Decides whether <paramref name="principal"/> may perform <paramref name="action"/> on <paramref name="resource"/>.</summary>
    /// <param name="principal">The authenticated caller.</param>
    /// <param name="action">What the caller asks to do.</param>
    /// <param name="resource">The stream concerned.</param>
    /// <returns>The decision, never <see langword="null"/>.</returns>
    PolicyDecision Authorize(LogPrincipal principal, PolicyAction action, PolicyResource resource);

    /// <summary>The permission mask W that entries written by <paramref name="principal"/> to <paramref name="stream"/> carry.</summary>
    /// <param name="principal">The writer.</param>
    /// <param name="stream">The stream written to.</param>
    /// <returns>The mask, 0 when writing is denied.</returns>
    MaskDecision WriteMaskFor(LogPrincipal principal, PolicyResource stream);

    /// <summary>The permission mask M with which <paramref name="principal"/> reads <paramref name="stream"/>.</summary>
    /// <param name="principal">The reader.</param>
    /// <param name="stream">The stream read.</param>
    /// <returns>The mask, 0 when reading is denied. See <see cref="PermissionMask.MayRead"/>.</returns>
    MaskDecision ReadMaskFor(LogPrincipal principal, PolicyResource stream);

    /// <summary>
    /// Returns a copy of <paramref name="fields"/> in which every field the policy hides from
    /// <paramref name="principal"/> has its value replaced by <see cref="Redaction.Marker"/>. Nested
    /// dictionaries are matched by dotted path (<c>user.email</c>).
    /// </summary>
    /// <param name="principal">The reader.</param>
    /// <param name="stream">The stream the fields were read from.</param>
    /// <param name="fields">An entry's structured properties.</param>
    /// <returns>The redacted copy; the input is not changed.</returns>
    IReadOnlyDictionary<string, object?> Redact(LogPrincipal principal, PolicyResource stream, IReadOnlyDictionary<string, object?> fields);
}
