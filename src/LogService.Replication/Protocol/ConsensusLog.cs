using System.Buffers;
using LogService.Replication.Durability;
using LogService.Replication.Wire;

namespace LogService.Replication.Protocol;

/// <summary>
/// The consensus write-ahead log: regency changes, values this replica wrote and accepted (so a restarted replica
/// reports the same state in leader changes), and decisions with their proofs (so it can execute and serve them).
/// Records reach the store before any message that depends on them leaves the replica.
/// </summary>
internal sealed class ConsensusLog(IWalStore store)
{
    private const byte RegencyRecord = 1;
    private const byte WroteRecord = 2;
    private const byte AcceptedRecord = 3;
    private const byte DecidedRecord = 4;
    private const byte SyncRecord = 5;
    private const byte DecidedProposalRecord = 6;

    private readonly ArrayBufferWriter<byte> writer = new(256);

    public IWalStore Store { get; } = store;

    // Records are appended straight from the reusable buffer: a WROTE and a DECIDED record each carry the whole
    // value, and a copy of a megabyte-sized value per record is garbage the large object heap collects only in full
    // collections.
    public void Regency(int regency) => Store.Append(Record(w => WriteRegency(w, regency)));

    public void Wrote(long instance, int regency, byte[] value) => Store.Append(Record(w => WriteWrote(w, instance, regency, value)));

    public void Accepted(long instance, int regency, byte[] digest) => Store.Append(Record(w => WriteAccepted(w, instance, regency, digest)));

    /// <summary>Logs the SYNC that installed the current regency, so a restart recovers the carried-forward values.</summary>
    public void Sync(byte[] raw) => Store.Append(Record(w => WriteSync(w, raw)));

    public void Decided(long instance, int regency, byte[] value, SignedAccept[] accepts) => Store.Append(Record(w => WriteDecided(w, instance, regency, value, accepts)));

    /// <summary>
    /// Logs a decision on the value this replica logged as written for the instance (its WROTE record comes earlier
    /// in the log, or in the segment a compaction started with): the record names the value by digest, so a batch is
    /// not written to the log twice.
    /// </summary>
    public void DecidedProposal(long instance, int regency, byte[] digest, SignedAccept[] accepts) => Store.Append(Record(w =>
    {
        w.WriteByte(DecidedProposalRecord);
        w.WriteInt64(instance);
        w.WriteInt32(regency);
        w.WriteRaw(digest);
        MessageCodec.WriteAccepts(w, accepts);
    }));

    public byte[] EncodeSync(byte[] raw) => Record(w => WriteSync(w, raw)).ToArray();

    public byte[] EncodeDecided(long instance, int regency, byte[] value, SignedAccept[] accepts) => Record(w => WriteDecided(w, instance, regency, value, accepts)).ToArray();

    public byte[] EncodeRegency(int regency) => Record(w => WriteRegency(w, regency)).ToArray();

    public byte[] EncodeWrote(long instance, int regency, byte[] value) => Record(w => WriteWrote(w, instance, regency, value)).ToArray();

    public byte[] EncodeAccepted(long instance, int regency, byte[] digest) => Record(w => WriteAccepted(w, instance, regency, digest)).ToArray();

    private static void WriteSync(ArrayBufferWriter<byte> w, byte[] raw)
    {
        w.WriteByte(SyncRecord);
        w.WriteSized(raw);
    }

    private static void WriteDecided(ArrayBufferWriter<byte> w, long instance, int regency, byte[] value, SignedAccept[] accepts)
    {
        w.WriteByte(DecidedRecord);
        w.WriteInt64(instance);
        w.WriteInt32(regency);
        w.WriteSized(value);
        MessageCodec.WriteAccepts(w, accepts);
    }

    private static void WriteRegency(ArrayBufferWriter<byte> w, int regency)
    {
        w.WriteByte(RegencyRecord);
        w.WriteInt32(regency);
    }

    private static void WriteWrote(ArrayBufferWriter<byte> w, long instance, int regency, byte[] value)
    {
        w.WriteByte(WroteRecord);
        w.WriteInt64(instance);
        w.WriteInt32(regency);
        w.WriteSized(value);
    }

    private static void WriteAccepted(ArrayBufferWriter<byte> w, long instance, int regency, byte[] digest)
    {
        w.WriteByte(AcceptedRecord);
        w.WriteInt64(instance);
        w.WriteInt32(regency);
        w.WriteRaw(digest);
    }

    /// <summary>Replays the log into <paramref name="visitor"/>; a record that does not decode ends the replay.</summary>
    public void Replay(IReplayVisitor visitor)
    {
        // Values written per instance, for decisions that name theirs by digest; forgotten once decided.
        var written = new Dictionary<long, List<byte[]>>();
        foreach (var record in Store.ReadAll())
        {
            try
            {
                var r = new SpanReader(record);
                switch (r.ReadByte())
                {
                    case RegencyRecord:
                        visitor.OnRegency(r.ReadInt32(0, int.MaxValue));
                        break;
                    case WroteRecord:
                        var wroteInstance = r.ReadInt64(1, long.MaxValue);
                        var wroteRegency = r.ReadInt32(0, int.MaxValue);
                        var wrote = r.ReadSizedArray(MessageCodec.MaxBlob);
                        if (!written.TryGetValue(wroteInstance, out var values))
                        {
                            written[wroteInstance] = values = [];
                        }

                        values.Add(wrote);
                        visitor.OnWrote(wroteInstance, wroteRegency, wrote);
                        break;
                    case AcceptedRecord:
                        visitor.OnAccepted(r.ReadInt64(1, long.MaxValue), r.ReadInt32(0, int.MaxValue), r.ReadDigest());
                        break;
                    case DecidedRecord:
                        var instance = r.ReadInt64(1, long.MaxValue);
                        var regency = r.ReadInt32(0, int.MaxValue);
                        var value = r.ReadSizedArray(MessageCodec.MaxBlob);
                        visitor.OnDecided(instance, regency, value, MessageCodec.ReadAccepts(ref r));
                        written.Remove(instance);
                        break;
                    case DecidedProposalRecord:
                        var decidedInstance = r.ReadInt64(1, long.MaxValue);
                        var decidedRegency = r.ReadInt32(0, int.MaxValue);
                        var digest = r.ReadDigest();
                        var proposal = written.GetValueOrDefault(decidedInstance)?.FindLast(v => Crypto.Digest.Equal(Crypto.Digest.Of(v), digest));
                        if (proposal is null)
                        {
                            // Its WROTE record is not in the log: the log is not intact from here on.
                            return;
                        }

                        visitor.OnDecided(decidedInstance, decidedRegency, proposal, MessageCodec.ReadAccepts(ref r));
                        written.Remove(decidedInstance);
                        break;
                    case SyncRecord:
                        visitor.OnSync(r.ReadSizedArray(MessageCodec.MaxBlob));
                        break;
                    default:
                        return;
                }
            }
            catch (WireFormatException)
            {
                return;
            }
        }
    }

    /// <summary>Encodes a record into the reusable buffer; the span is valid until the next record is encoded.</summary>
    private ReadOnlySpan<byte> Record(Action<ArrayBufferWriter<byte>> write)
    {
        writer.ResetWrittenCount();
        write(writer);
        return writer.WrittenSpan;
    }
}

/// <summary>Receives WAL records during recovery.</summary>
internal interface IReplayVisitor
{
    void OnRegency(int regency);

    void OnWrote(long instance, int regency, byte[] value);

    void OnAccepted(long instance, int regency, byte[] digest);

    void OnDecided(long instance, int regency, byte[] value, SignedAccept[] accepts);

    void OnSync(byte[] raw);
}
