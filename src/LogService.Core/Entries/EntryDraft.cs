using System.Numerics;

namespace LogService.Core.Entries;

/// <summary>
/// One incoming entry after parsing and validation, before sealing: the writer's body plus the fields the
/// Log Core lifts into the clear header (level, event type) and uses to deduplicate (batch id, sequence).
/// </summary>
public sealed record EntryDraft
{
    private readonly EntryLevel _level = EntryLevel.Information;
    private readonly string? _batchId;

    /// <summary>The severity; <see cref="EntryLevel.Information"/> unless the writer says otherwise.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined level.</exception>
    public EntryLevel Level
    {
        get => _level;
        init => _level = value <= EntryLevel.Fatal ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Levels run from Verbose (0) to Fatal (5).");
    }

    /// <summary>
    /// The event type: the writer's explicit id, or <see cref="EventTypes.FromTemplate"/> of the template
    /// (or of the rendered message when there is no template), as Seq's <c>@i</c>.
    /// </summary>
    public uint EventType { get; init; }

    /// <summary>
    /// The writer's per-source sequence number of this entry, when it sends one. The Log Core deduplicates with it and
    /// seals it into the body as <see cref="EntryBody.SourceSequence"/>; the draft's own body never carries one.
    /// </summary>
    public long? Sequence { get; init; }

    /// <summary>The writer's batch id, when it sends one; at most <see cref="MaxBatchIdLength"/> characters.</summary>
    /// <exception cref="ArgumentException">The id is empty, too long, or has characters outside <c>[A-Za-z0-9._:-]</c>.</exception>
    public string? BatchId
    {
        get => _batchId;
        init => _batchId = value is null || IsValidBatchId(value)
            ? value
            : throw new ArgumentException($"A batch id is 1 to {MaxBatchIdLength} characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'.", nameof(value));
    }

    /// <summary>The part that is encrypted and sealed.</summary>
    public required EntryBody Body { get; init; }

    /// <summary>Longest accepted batch id.</summary>
    public const int MaxBatchIdLength = 128;

    /// <summary>True when <paramref name="batchId"/> is a well-formed batch id.</summary>
    public static bool IsValidBatchId(ReadOnlySpan<char> batchId) => IsValidBatchIdText(batchId);

    /// <summary>
    /// True when the UTF-8 <paramref name="batchId"/> is a well-formed batch id. Batch ids are ASCII, so this agrees with
    /// <see cref="IsValidBatchId(ReadOnlySpan{char})"/> on the decoded text of any valid UTF-8.
    /// </summary>
    internal static bool IsValidBatchId(ReadOnlySpan<byte> batchId) => IsValidBatchIdText(batchId);

    private static bool IsValidBatchIdText<TUnit>(ReadOnlySpan<TUnit> batchId)
        where TUnit : unmanaged, IBinaryInteger<TUnit>
    {
        if (batchId.IsEmpty || batchId.Length > MaxBatchIdLength)
        {
            return false;
        }

        foreach (var unit in batchId)
        {
            var c = uint.CreateTruncating(unit);
            if (c > 0x7f || (!char.IsAsciiLetterOrDigit((char)c) && c is not ('.' or '_' or ':' or '-')))
            {
                return false;
            }
        }

        return true;
    }
}
