namespace LogService.Core.Entries;

/// <summary>
/// Where the payload says an entry comes from. These are the writer's own claims, kept in the body;
/// the authoritative cloud, node and user of the clear header come from the access token.
/// </summary>
/// <param name="Application">Application or service name (OTLP <c>service.name</c>), if given.</param>
/// <param name="Node">Host or node name, if given.</param>
/// <param name="User">User or service account name, if given.</param>
public sealed record SourceHints(string? Application = null, string? Node = null, string? User = null)
{
    /// <summary>No hints at all.</summary>
    public static SourceHints None { get; } = new();

    /// <summary>True when no hint is set.</summary>
    public bool IsEmpty => Application is null && Node is null && User is null;
}
