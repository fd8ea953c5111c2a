using LogService.Core.Policies;

namespace LogService.Core.Replica;

/// <summary>
/// A tenant's quota counters as of one counted write, stamped with where that write sits in consensus order. Every
/// counted write stores a copy in the head of the stream it wrote, which is persisted with the batch anyway; the
/// tenant's current counters are the copy with the latest stamp, so a restarted or restored replica recovers them
/// from its store exactly as the others hold them.
/// </summary>
/// <param name="State">The counters after the write.</param>
/// <param name="Instance">The consensus instance of the write.</param>
/// <param name="CommandIndex">The write's position in that instance's batch.</param>
internal sealed record TenantQuotaCopy(QuotaState State, long Instance, int CommandIndex)
{
    public bool IsNewerThan(TenantQuotaCopy? other) =>
        other is null || Instance > other.Instance || (Instance == other.Instance && CommandIndex > other.CommandIndex);

    /// <summary>The bytes <see cref="Write"/> writes for <paramref name="copy"/>.</summary>
    public static int SizeOf(TenantQuotaCopy? copy) => copy is null ? 1 : 1 + (5 * 8) + 4;

    public static void Write(BinaryWriter writer, TenantQuotaCopy? copy)
    {
        writer.Write(copy is not null);
        if (copy is not null)
        {
            writer.Write(copy.State.MilliTokens);
            writer.Write(copy.State.LastRefillUnixMilliseconds);
            writer.Write(copy.State.Day);
            writer.Write(copy.State.BytesThisDay);
            writer.Write(copy.Instance);
            writer.Write(copy.CommandIndex);
        }
    }

    public static TenantQuotaCopy? Read(BinaryReader reader) => reader.ReadBoolean()
        ? new TenantQuotaCopy(new QuotaState(reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64()), reader.ReadInt64(), reader.ReadInt32())
        : null;
}
