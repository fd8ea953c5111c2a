using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LogService.Core.Entries;
using LogService.Core.Policies;
using LogService.Sealing;
using LogService.Storage;

namespace LogService.Server.Reading;

/// <summary>One stored entry prepared for a caller: its redacted body (null when not theirs to read) and integrity badge.</summary>
internal sealed record PresentedEntry(EntryRecord Record, EntryBodyView? Body, IntegrityBadge Integrity)
{
    /// <summary>The entry as docs/api.md shows it.</summary>
    public JsonObject ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteTo(writer);
        }

        return JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
    }

    /// <summary>Writes the entry as docs/api.md shows it, without building it as a JSON tree first.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("streamId", Record.StreamId);
        writer.WriteNumber("sequence", Record.Sequence);
        writer.WriteString("timestamp", ReadFormats.Timestamp(Record.TimestampMicros));
        writer.WriteString("level", ReadFormats.Level(Record.Level));
        writer.WriteString("sourceCloud", Record.SourceCloud);
        writer.WriteString("sourceNode", Record.SourceNode);
        writer.WriteString("sourceUser", Record.SourceUser);
        writer.WriteString("eventType", ReadFormats.EventType(Record.EventType));
        writer.WriteNumber("permissionMask", Record.PermissionMask);
        writer.WriteString("kind", ((EntryKind)Record.Kind).ToString().ToLowerInvariant());
        writer.WritePropertyName("body");
        if (Body is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            Body.WriteTo(writer);
        }

        writer.WriteStartObject("integrity");
        writer.WriteString("state", Integrity.State);
        writer.WriteString("detail", Integrity.Detail);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}

/// <summary>Decrypts, redacts and checks stored entries for one caller, with keys for that caller's mask only.</summary>
internal sealed class EntryPresenter(ILogStore store, IEntryKeySource keys, ReadAccess access)
{
    private readonly PageIntegrity _integrity = new(store);

    public async Task<IReadOnlyList<PresentedEntry>> PresentAsync(
        HttpContext context, LogPrincipal caller, IReadOnlyList<EntryRecord> rows, IReadOnlyDictionary<string, StreamGrant> grants, CancellationToken cancellationToken)
    {
        var presented = new PresentedEntry[rows.Count];
        foreach (var group in rows.Select((row, index) => (row, index)).GroupBy(x => x.row.StreamId, StringComparer.Ordinal))
        {
            var grant = grants[group.Key];
            var streamRows = group.Select(x => x.row).ToList();
            using var released = await keys.KeysForAsync(context, group.Key, streamRows, grant.ReadMask, cancellationToken);
            var badges = _integrity.Check(group.Key, streamRows, released);
            var redaction = new PageRedaction(fields => access.Redact(caller, grant, fields));
            foreach (var (row, index) in group)
            {
                var integrity = badges[row.Sequence];
                var body = integrity.State == IntegrityBadge.Broken ? null : BodyOf(row, released, redaction);
                presented[index] = new PresentedEntry(row, body, integrity);
            }
        }

        return presented;
    }

    private static EntryBodyView? BodyOf(EntryRecord row, ReleasedKeys released, PageRedaction redaction)
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
            return EntryBodyView.Build(EntryCodec.DecodeBody(plaintext), redaction.Apply);
        }
        catch (EntryEncodingException)
        {
            return null;
        }
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
