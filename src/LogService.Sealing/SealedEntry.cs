using LogService.Sealing.Format;

namespace LogService.Sealing;

/// <summary>
/// One sealed entry, decoded: its clear header for indexing and the exact canonical bytes to store.
/// Storage keeps <see cref="Encoded"/>; every other member is a view of it.
/// </summary>
public sealed class SealedEntry
{
    private readonly EntryLayout _layout;

    private SealedEntry(ReadOnlyMemory<byte> encoded, EntryLayout layout, EntryHeader header)
    {
        Encoded = encoded;
        _layout = layout;
        Header = header;
    }

    /// <summary>The clear header fields.</summary>
    public EntryHeader Header { get; }

    /// <summary>The canonical encoding (docs/sealing-format.md); this is what is stored and what the Merkle leaf covers.</summary>
    public ReadOnlyMemory<byte> Encoded { get; }

    /// <summary>The encrypted body C_j without its tag.</summary>
    public ReadOnlyMemory<byte> Ciphertext => Encoded.Slice(_layout.CiphertextOffset, _layout.CiphertextLength);

    /// <summary>The AES-GCM tag of the body.</summary>
    public ReadOnlyMemory<byte> Tag => Encoded.Slice(_layout.TagOffset, EntryFormat.TagSize);

    /// <summary>The hash link Y_j, the stream's head after this entry.</summary>
    public ReadOnlyMemory<byte> Link => Encoded.Slice(_layout.LinkOffset, EntryFormat.HashSize);

    /// <summary>The MAC Z_j = HMAC_{A_j}(Y_j).</summary>
    public ReadOnlyMemory<byte> Mac => Encoded.Slice(_layout.MacOffset, EntryFormat.HashSize);

    /// <summary>Decodes canonical bytes, or throws <see cref="SealedEntryFormatException"/> naming what is wrong.</summary>
    public static SealedEntry Decode(ReadOnlyMemory<byte> encoded)
    {
        if (!TryDecode(encoded, out var entry, out var error))
        {
            throw new SealedEntryFormatException(error);
        }

        return entry;
    }

    /// <summary>Decodes canonical bytes; on failure returns false with the reason.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> encoded, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SealedEntry? entry, out string error)
    {
        var span = encoded.Span;
        if (!EntryLayout.TryParse(span, out var layout, out var reason))
        {
            entry = null;
            error = reason ?? "malformed entry";
            return false;
        }

        var header = new EntryHeader(
            StreamId: EntryLayout.ReadString(span, 0),
            Sequence: layout.Sequence,
            ConsensusTimestamp: layout.Timestamp,
            Level: layout.Level,
            Tenant: EntryLayout.ReadString(span, 1),
            SourceCloud: EntryLayout.ReadString(span, 2),
            SourceNode: EntryLayout.ReadString(span, 3),
            SourceUser: EntryLayout.ReadString(span, 4),
            EventType: EntryLayout.ReadString(span, 5),
            PermissionMask: layout.PermissionMask,
            Kind: layout.Kind);
        entry = new SealedEntry(encoded, layout, header);
        error = string.Empty;
        return true;
    }
}
