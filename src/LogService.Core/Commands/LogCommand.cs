using LogService.Storage;

namespace LogService.Core.Commands;

/// <summary>A command the Log Core executes in consensus order. Every replica decodes the same bytes into the same command.</summary>
public abstract record LogCommand;

/// <summary>
/// Creates a stream. The key service drew its initial secret A_0 and wrapped it once per replica, to that replica's
/// key-agreement key; each replica opens only its own envelope, so no replica ever sees another's copy in the clear.
/// </summary>
/// <param name="Tenant">The owning tenant.</param>
/// <param name="Name">The stream name within the tenant.</param>
/// <param name="Retention">The stream's retention policy.</param>
/// <param name="SecretEnvelopes">A_0 wrapped to each replica, indexed by replica id.</param>
public sealed record CreateStreamCommand(string Tenant, string Name, RetentionPolicy Retention, IReadOnlyList<byte[]> SecretEnvelopes) : LogCommand
{
    /// <summary>The stream id, <c>tenant/name</c>.</summary>
    public string StreamId => StreamIds.Compose(Tenant, Name);
}

/// <summary>Appends a writer's batch of entries to one stream.</summary>
/// <param name="StreamId">The stream, <c>tenant/name</c>.</param>
/// <param name="Writer">Who wrote it, as the access token says.</param>
/// <param name="BatchId">The writer's batch id; a batch seen before on this stream is acknowledged again, not appended twice.</param>
/// <param name="PermissionMask">W for every entry of the batch: the reader classes that may read the bodies.</param>
/// <param name="Drafts">The entries, each encoded with <see cref="Entries.EntryCodec.EncodeDraft(Entries.EntryDraft)"/>.</param>
public sealed record AppendEntriesCommand(string StreamId, WriterIdentity Writer, string BatchId, ulong PermissionMask, IReadOnlyList<ReadOnlyMemory<byte>> Drafts) : LogCommand
{
    /// <summary>
    /// The writing tenant's limits as the front end's policy states them (<see cref="Policies.PolicySet.QuotaFor"/>), or
    /// null for none. They travel in the ordered command so every replica enforces the same limits on it, whatever
    /// policy version each front end has loaded; the counters they apply to are replicated state.
    /// </summary>
    public Policies.QuotaLimits? Quota { get; init; }
}

/// <summary>Closes a stream: its close entry records the final count and head, and nothing more is accepted.</summary>
/// <param name="StreamId">The stream, <c>tenant/name</c>.</param>
public sealed record CloseStreamCommand(string StreamId) : LogCommand;

/// <summary>
/// Asks every replica to sign the current head of each named stream, or, with no names, of every stream that has
/// changed since its latest stored certified head. The host collects 2f+1 equal signed statements per stream into a
/// <see cref="Replica.HeadCertificate"/> and orders a <see cref="RecordCertificateCommand"/> with it.
/// </summary>
/// <param name="StreamIds">The streams, or empty for every stream changed since its last certification.</param>
public sealed record CertifyHeadsCommand(IReadOnlyList<string> StreamIds) : LogCommand;

/// <summary>
/// Stores an assembled certified head on every replica after each has verified it against the replica key set.
/// A certificate no newer than the stored one is ignored; one with a bad or short signature set is rejected.
/// </summary>
/// <param name="Certificate">The statement and its 2f+1 signatures.</param>
public sealed record RecordCertificateCommand(Replica.HeadCertificate Certificate) : LogCommand;

/// <summary>The authenticated origin of a write: the issuer decides the tenant, the token's claims the rest.</summary>
/// <param name="Tenant">The tenant whose issuer signed the token.</param>
/// <param name="Cloud">The writer's cloud.</param>
/// <param name="Node">The writer's node.</param>
/// <param name="User">The writer's user or service identity.</param>
public sealed record WriterIdentity(string Tenant, string Cloud, string Node, string User);

/// <summary>Stream id rules, shared by commands, the API and the console.</summary>
public static class StreamIds
{
    /// <summary>Longest tenant or stream name.</summary>
    public const int MaxNameLength = 64;

    /// <summary>Joins a tenant and a stream name into a stream id.</summary>
    public static string Compose(string tenant, string name) => $"{tenant}/{name}";

    /// <summary>True for 1–64 characters of a–z, 0–9, '.', '_' and '-', starting with a letter, digit or '_'.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= MaxNameLength
        && (char.IsAsciiLetterLower(name[0]) || char.IsAsciiDigit(name[0]) || name[0] == '_')
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-');

    /// <summary>The tenant part of a stream id.</summary>
    public static string TenantOf(string streamId)
    {
        var slash = streamId.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? streamId[..slash] : throw new ArgumentException($"'{streamId}' is not a stream id (tenant/name)", nameof(streamId));
    }
}
