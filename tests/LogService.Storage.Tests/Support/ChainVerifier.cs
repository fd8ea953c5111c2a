using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using LogService.Sealing;

namespace LogService.Storage.Tests.Support;

/// <summary>
/// Checks stored entries the way a verifier without secrets does: each row decodes with the sealing core, its clear
/// columns equal the sealed header, sequences are contiguous, and each link is Y_j = H(Y_{j-1} ‖ header_j ‖ C_j ‖ W_j).
/// </summary>
internal static class ChainVerifier
{
    /// <summary>Verifies <paramref name="entries"/> (oldest first) continuing from <paramref name="previousLink"/>
    /// (the genesis link, or a tombstone's Y head). Returns null when the chain holds, else what breaks first.</summary>
    public static string? Verify(IReadOnlyList<EntryRecord> entries, ReadOnlySpan<byte> previousLink, long firstSequence)
    {
        var link = previousLink.ToArray();
        var expectedSequence = firstSequence;
        var mask = new byte[8];
        foreach (var row in entries)
        {
            if (!SealedEntry.TryDecode(row.SealedEntry, out var entry, out var error))
            {
                return $"{row.StreamId}#{row.Sequence}: does not decode: {error}";
            }

            var header = entry.Header;
            if (row.Sequence != expectedSequence || header.Sequence != row.Sequence)
            {
                return $"{row.StreamId}: expected sequence {expectedSequence}, found row {row.Sequence} sealing {header.Sequence}";
            }

            if (header.StreamId != row.StreamId || header.Tenant != row.Tenant || header.ConsensusTimestamp != row.TimestampMicros
                || header.Level != row.Level || header.SourceNode != row.SourceNode || header.SourceCloud != row.SourceCloud
                || header.SourceUser != row.SourceUser || header.EventType != row.EventType
                || header.PermissionMask != row.PermissionMask || (byte)header.Kind != row.Kind)
            {
                return $"{row.StreamId}#{row.Sequence}: clear columns differ from the sealed header";
            }

            if (!MemoryMarshal.TryGetArray(entry.Ciphertext, out var ciphertext))
            {
                return $"{row.StreamId}#{row.Sequence}: cannot locate the ciphertext";
            }

            // The canonical layout: header, 4-byte body length, ciphertext, tag, link, MAC.
            var encoded = row.SealedEntry;
            var headerBytes = encoded.AsSpan(0, ciphertext.Offset - 4);
            var sealedBody = encoded.AsSpan(ciphertext.Offset, ciphertext.Count + entry.Tag.Length);
            BinaryPrimitives.WriteUInt64BigEndian(mask, header.PermissionMask);
            var computed = SHA256.HashData([.. link, .. headerBytes, .. sealedBody, .. mask]);
            if (!entry.Link.Span.SequenceEqual(computed))
            {
                return $"{row.StreamId}#{row.Sequence}: hash link does not follow from its predecessor";
            }

            link = computed;
            expectedSequence++;
        }

        return null;
    }

    /// <summary>Verifies a whole stream from its genesis link.</summary>
    public static string? VerifyFromGenesis(IReadOnlyList<EntryRecord> entries, string streamId) =>
        Verify(entries, StreamGenesis.ComputeGenesisLink(streamId), 0);
}
