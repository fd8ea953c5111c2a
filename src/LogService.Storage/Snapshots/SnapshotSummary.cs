namespace LogService.Storage.Snapshots;

/// <summary>The content of a <see cref="SnapshotScope.Summary"/> snapshot, read without a store.</summary>
/// <param name="AppliedInstance">The consensus instance the summary was taken at.</param>
/// <param name="Heads">Every stream head, by stream id.</param>
/// <param name="CertifiedHeads">Each stream's latest certified head.</param>
/// <param name="Tombstones">Every retention tombstone.</param>
public sealed record SnapshotSummary(
    long AppliedInstance,
    IReadOnlyList<StreamHead> Heads,
    IReadOnlyList<CertifiedHead> CertifiedHeads,
    IReadOnlyList<RetentionTombstone> Tombstones)
{
    /// <summary>Reads and checks a summary snapshot.</summary>
    /// <exception cref="InvalidDataException">It is not a complete, intact summary snapshot.</exception>
    public static SnapshotSummary Read(ReadOnlyMemory<byte> snapshot)
    {
        try
        {
            using var source = new MemoryStream(snapshot.ToArray(), writable: false);
            using var reader = new SnapshotReader(source);
            if (reader.NextTag() != SnapshotTag.Scope || !reader.Scope().IsSummary)
            {
                throw new InvalidDataException("The snapshot is not a summary.");
            }

            long instance = -1;
            var heads = new List<StreamHead>();
            var certified = new List<CertifiedHead>();
            var tombstones = new List<RetentionTombstone>();
            while (true)
            {
                switch (reader.NextTag())
                {
                    case SnapshotTag.AppliedInstance:
                        instance = reader.AppliedInstance();
                        break;
                    case SnapshotTag.Head:
                        heads.Add(reader.Head());
                        break;
                    case SnapshotTag.CertifiedHead:
                        certified.Add(reader.CertifiedHead());
                        break;
                    case SnapshotTag.Tombstone:
                        tombstones.Add(reader.Tombstone());
                        break;
                    case SnapshotTag.End:
                        reader.VerifyDigest();
                        return new SnapshotSummary(instance, heads, certified, tombstones);
                    default:
                        throw new InvalidDataException("The snapshot is invalid: a summary holds entries.");
                }
            }
        }
        catch (EndOfStreamException truncated)
        {
            throw new InvalidDataException("The snapshot is truncated.", truncated);
        }
    }
}

/// <summary>What <see cref="ILogStore.ImportSnapshot"/> imported.</summary>
/// <param name="Scope">The snapshot's scope.</param>
/// <param name="Entries">How many entries it added.</param>
/// <param name="FirstSequence">The first entry's sequence, or -1 without entries.</param>
/// <param name="LastSequence">The last entry's sequence, or -1 without entries.</param>
public sealed record ImportedSnapshot(SnapshotScope Scope, long Entries, long FirstSequence, long LastSequence);
