using System.Globalization;
using System.Text.Json.Nodes;
using LogService.Core.Entries;
using LogService.Core.Policies;
using LogService.Sealing;
using LogService.Storage;

namespace LogService.Server.Reading;

/// <summary>One stored entry prepared for a caller: its redacted body (null when not theirs to read) and integrity badge.</summary>
internal sealed record PresentedEntry(EntryRecord Record, JsonObject? Body, IntegrityBadge Integrity)
{
    /// <summary>The entry as docs/api.md shows it.</summary>
    public JsonObject ToJson() => new()
    {
        ["streamId"] = Record.StreamId,
        ["sequence"] = Record.Sequence,
        ["timestamp"] = ReadFormats.Timestamp(Record.TimestampMicros),
        ["level"] = ReadFormats.Level(Record.Level),
        ["sourceCloud"] = Record.SourceCloud,
        ["sourceNode"] = Record.SourceNode,
        ["sourceUser"] = Record.SourceUser,
        ["eventType"] = ReadFormats.EventType(Record.EventType),
        ["permissionMask"] = Record.PermissionMask,
        ["kind"] = ((EntryKind)Record.Kind).ToString().ToLowerInvariant(),
        ["body"] = Body?.DeepClone(),
        ["integrity"] = new JsonObject { ["state"] = Integrity.State, ["detail"] = Integrity.Detail },
    };
}

/// <summary>Decrypts, redacts and checks stored entries for one caller, with keys for that caller's mask only.</summary>
internal sealed class EntryPresenter(ILogStore store, IEntryKeySource keys, ReadAccess access)
{
    /// <summary>Predecessors farther apart than this are read one by one instead of as one range.</summary>
    private const int MaxPredecessorSpan = 4096;

    public async Task<IReadOnlyList<PresentedEntry>> PresentAsync(
        HttpContext context, LogPrincipal caller, IReadOnlyList<EntryRecord> rows, IReadOnlyDictionary<string, StreamGrant> grants, CancellationToken cancellationToken)
    {
        var presented = new PresentedEntry[rows.Count];
        foreach (var group in rows.Select((row, index) => (row, index)).GroupBy(x => x.row.StreamId, StringComparer.Ordinal))
        {
            var grant = grants[group.Key];
            var streamRows = group.Select(x => x.row).ToList();
            using var released = await keys.KeysForAsync(context, group.Key, streamRows, grant.ReadMask, cancellationToken);
            var links = PredecessorLinks(group.Key, streamRows);
            foreach (var (row, index) in group)
            {
                var (link, missing) = links[row.Sequence];
                var integrity = EntryIntegrity.Check(row, link, missing, released);
                var body = integrity.State == IntegrityBadge.Broken ? null : BodyOf(row, released, caller, grant);
                presented[index] = new PresentedEntry(row, body, integrity);
            }
        }

        return presented;
    }

    private JsonObject? BodyOf(EntryRecord row, ReleasedKeys released, LogPrincipal caller, StreamGrant grant)
    {
        if (row.Kind != (byte)EntryKind.Data || !released.Covers(row.Sequence))
        {
            return null;
        }

        var plaintext = EntryDecryptor.Decrypt(SealedEntry.Decode(row.SealedEntry), released);
        if (plaintext is null)
        {
            return null;
        }

        try
        {
            return EntryBodyView.Build(EntryCodec.DecodeBody(plaintext), fields => access.Redact(caller, grant, fields));
        }
        catch (EntryEncodingException)
        {
            return null;
        }
    }

    /// <summary>Y_{j-1} for every row j: from the page, the store, the genesis link or a retention tombstone.</summary>
    private Dictionary<long, (ReadOnlyMemory<byte>? Link, string? Missing)> PredecessorLinks(string streamId, List<EntryRecord> rows)
    {
        var bySequence = rows.GroupBy(r => r.Sequence).ToDictionary(g => g.Key, g => g.First());
        var needed = rows.Select(r => r.Sequence - 1).Where(s => s >= 0 && !bySequence.ContainsKey(s)).Distinct().Order().ToList();
        if (needed.Count > 0)
        {
            var fetched = needed[^1] - needed[0] < MaxPredecessorSpan
                ? store.ReadRange(streamId, needed[0], needed[^1]).Entries
                : needed.SelectMany(s => store.ReadRange(streamId, s, s).Entries);
            foreach (var entry in fetched)
            {
                bySequence.TryAdd(entry.Sequence, entry);
            }
        }

        IReadOnlyList<RetentionTombstone>? tombstones = null;
        var links = new Dictionary<long, (ReadOnlyMemory<byte>?, string?)>();
        foreach (var row in rows)
        {
            var previous = row.Sequence - 1;
            if (previous < 0)
            {
                links[row.Sequence] = (StreamGenesis.ComputeGenesisLink(streamId), null);
            }
            else if (bySequence.TryGetValue(previous, out var entry))
            {
                links[row.Sequence] = SealedEntry.TryDecode(entry.SealedEntry, out var sealedEntry, out _)
                    ? (sealedEntry.Link, null)
                    : (null, null);
            }
            else
            {
                tombstones ??= store.GetTombstones(streamId);
                var cut = tombstones.FirstOrDefault(t => t.LastSequence == previous);
                links[row.Sequence] = cut is not null
                    ? (cut.YHeadAtCut, null)
                    : (null, string.Create(CultureInfo.InvariantCulture, $"entry {previous} before it is missing from storage"));
            }
        }

        return links;
    }
}

/// <summary>How header values are written in API answers.</summary>
internal static class ReadFormats
{
    public static string Timestamp(long micros) =>
        DateTimeOffset.UnixEpoch.AddTicks(micros * TimeSpan.TicksPerMicrosecond).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static string Level(byte level) => Enum.IsDefined((EntryLevel)level) ? ((EntryLevel)level).ToString() : level.ToString(CultureInfo.InvariantCulture);

    /// <summary>Writers' numeric event types as <c>0xA1B2C3D4</c>; the service's named ones as they are.</summary>
    public static string EventType(string stored) =>
        stored.Length == 8 && stored.All(char.IsAsciiHexDigit) ? "0x" + stored.ToUpperInvariant() : stored;

    public static string Base64(ReadOnlyMemory<byte> bytes) => Convert.ToBase64String(bytes.Span);
}
