namespace LogService.Client.Models;

/// <summary>How long a stream keeps entries.</summary>
/// <param name="MaxAgeDays">Entries older than this many days are removed; null keeps them.</param>
/// <param name="MaxCount">At most this many entries are kept; null keeps every one.</param>
public sealed record Retention(int? MaxAgeDays, long? MaxCount);

/// <summary>A stream as the service describes it.</summary>
/// <param name="StreamId"><c>tenant/name</c>.</param>
/// <param name="Tenant">The owning tenant.</param>
/// <param name="Name">The stream's name within the tenant.</param>
/// <param name="LastSequence">The last entry's sequence; −1 for an empty stream.</param>
/// <param name="LastTimestamp">The last entry's time, or null.</param>
/// <param name="Closed">True once the stream was closed.</param>
/// <param name="Retention">The retention rule.</param>
/// <param name="EntryCount">How many entries it holds.</param>
public sealed record StreamInfo(
    string StreamId, string Tenant, string Name, long LastSequence, DateTimeOffset? LastTimestamp, bool Closed, Retention? Retention, long EntryCount);

/// <summary>What <c>POST /api/v1/streams</c> takes.</summary>
/// <param name="Name">The stream's name (1–64 of <c>a-z 0-9 . _ -</c>).</param>
/// <param name="Tenant">The tenant; null means the caller's.</param>
/// <param name="Retention">The retention rule; null keeps everything.</param>
public sealed record CreateStreamRequest(string Name, string? Tenant = null, Retention? Retention = null);
