using System.Globalization;
using System.Text.Json.Nodes;
using LogService.Core.Commands;
using LogService.Sealing;
using LogService.Storage;

namespace LogService.Server.Streams;

/// <summary>A stream as the API shows it (docs/api.md, "Streams"), read from this replica's store.</summary>
internal static class StreamView
{
    private const long MicrosPerDay = 86_400_000_000;

    public static JsonObject Of(ILogStore store, StreamHead head)
    {
        var last = store.ReadRange(head.StreamId, head.LastSequence, head.LastSequence).Entries.FirstOrDefault();
        var removed = store.GetTombstones(head.StreamId).Sum(t => t.RemovedCount);
        var name = head.StreamId[(head.Tenant.Length + 1)..];
        return new JsonObject
        {
            ["streamId"] = head.StreamId,
            ["tenant"] = head.Tenant,
            ["name"] = name,
            ["lastSequence"] = head.LastSequence,
            ["lastTimestamp"] = last is null ? null : DateTimeOffset.UnixEpoch.AddTicks(last.TimestampMicros * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            ["closed"] = last?.Kind == (byte)EntryKind.Close,
            ["retention"] = new JsonObject
            {
                ["maxAgeDays"] = head.Retention.MaxAgeMicros is { } age ? age / MicrosPerDay : null,
                ["maxCount"] = head.Retention.MaxCount,
            },
            ["entryCount"] = head.LastSequence + 1 - removed,
        };
    }

    /// <summary>A retention policy from the API's days and count.</summary>
    public static RetentionPolicy RetentionOf(int? maxAgeDays, long? maxCount) =>
        new(maxAgeDays is { } days ? days * MicrosPerDay : null, maxCount);

    /// <summary>Splits a stream id into tenant and name; false when it is not a valid id.</summary>
    public static bool TrySplit(string tenant, string name, out string streamId)
    {
        streamId = StreamIds.Compose(tenant, name);
        return StreamIds.IsValidName(tenant) && StreamIds.IsValidName(name);
    }
}
