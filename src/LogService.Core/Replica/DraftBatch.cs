using System.Buffers;
using System.Globalization;
using LogService.Core.Commands;
using LogService.Core.Entries;
using LogService.Sealing;

namespace LogService.Core.Replica;

/// <summary>
/// An append command's drafts, checked but not decoded (<see cref="EntryCodec.ValidateDraft"/>): each is sealed as the
/// bytes that came in, which are canonical once checked, so no replica builds a body or property object. Every draft
/// is checked before any is sealed, so a bad entry rejects the batch whole and the chain never advances for it.
/// </summary>
internal sealed class DraftBatch
{
    private readonly IReadOnlyList<ReadOnlyMemory<byte>> _encoded;
    private readonly ValidatedDraft[] _drafts;
    private readonly int _scratchLength;

    private DraftBatch(IReadOnlyList<ReadOnlyMemory<byte>> encoded, ValidatedDraft[] drafts, int scratchLength)
    {
        _encoded = encoded;
        _drafts = drafts;
        _scratchLength = scratchLength;
    }

    /// <summary>The number of drafts.</summary>
    public int Count => _drafts.Length;

    /// <summary>Checks every draft of <paramref name="encoded"/>.</summary>
    /// <exception cref="EntryEncodingException">A draft is not a canonical draft encoding; the message says why.</exception>
    public static DraftBatch Check(IReadOnlyList<ReadOnlyMemory<byte>> encoded)
    {
        var drafts = new ValidatedDraft[encoded.Count];
        var scratchLength = 0;
        for (var i = 0; i < drafts.Length; i++)
        {
            drafts[i] = EntryCodec.ValidateDraft(encoded[i].Span);
            scratchLength += EntryCodec.ScratchNeeded(encoded[i].Length, drafts[i]);
        }

        return new DraftBatch(encoded, drafts, scratchLength);
    }

    /// <summary>
    /// Seals the drafts in order as data entries of <paramref name="sealer"/>'s stream, with the clear header fields of
    /// each in <paramref name="metadata"/>, and returns the sealed entries.
    /// </summary>
    public byte[][] Seal(StreamSealer sealer, long timestampMicros, string tenant, WriterIdentity writer, ulong permissionMask, out EntryMetadata[] metadata)
    {
        metadata = new EntryMetadata[_drafts.Length];
        var bodies = new ReadOnlyMemory<byte>[_drafts.Length];
        var scratch = ArrayPool<byte>.Shared.Rent(_scratchLength);
        try
        {
            var scratchUsed = 0;
            var eventType = "";
            for (var i = 0; i < _drafts.Length; i++)
            {
                var draft = _drafts[i];

                // A batch's entries mostly share a few event types; consecutive equal ones share the text.
                if (i == 0 || draft.EventType != _drafts[i - 1].EventType)
                {
                    eventType = draft.EventType.ToString("x8", CultureInfo.InvariantCulture);
                }

                metadata[i] = new EntryMetadata(timestampMicros, (byte)draft.Level, tenant, writer.Cloud, writer.Node, writer.User, eventType, permissionMask);
                bodies[i] = EntryCodec.BodyToSeal(_encoded[i], draft, scratch, ref scratchUsed);
            }

            return sealer.SealDataBatch(metadata, bodies);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
