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

    private readonly ArrayBufferWriter<byte> writer = new(256);

    public IWalStore Store { get; } = store;

    public void Regency(int regency) => Store.Append(EncodeRegency(regency));

    public void Wrote(long instance, int regency, byte[] value) => Store.Append(EncodeWrote(instance, regency, value));

    public void Accepted(long instance, int regency, byte[] digest) => Store.Append(EncodeAccepted(instance, regency, digest));

    /// <summary>Logs the SYNC that installed the current regency, so a restart recovers the carried-forward values.</summary>
    public void Sync(byte[] raw) => Store.Append(EncodeSync(raw));

    public byte[] EncodeSync(byte[] raw) => Encode(w =>
    {
        w.WriteByte(SyncRecord);
        w.WriteSized(raw);
    });

    public void Decided(long instance, int regency, byte[] value, SignedAccept[] accepts) => Store.Append(EncodeDecided(instance, regency, value, accepts));

    public byte[] EncodeDecided(long instance, int regency, byte[] value, SignedAccept[] accepts) => Encode(w =>
    {
        w.WriteByte(DecidedRecord);
        w.WriteInt64(instance);
        w.WriteInt32(regency);
        w.WriteSized(value);
        w.WriteInt32(accepts.Length);
        foreach (var a in accepts)
        {
            w.WriteInt32(a.Replica);
            w.WriteRaw(a.Signature);
        }
    });

    public byte[] EncodeRegency(int regency) => Encode(w =>
    {
        w.WriteByte(RegencyRecord);
        w.WriteInt32(regency);
    });

    public byte[] EncodeWrote(long instance, int regency, byte[] value) => Encode(w =>
    {
        w.WriteByte(WroteRecord);
        w.WriteInt64(instance);
        w.WriteInt32(regency);
        w.WriteSized(value);
    });

    public byte[] EncodeAccepted(long instance, int regency, byte[] digest) => Encode(w =>
    {
        w.WriteByte(AcceptedRecord);
        w.WriteInt64(instance);
        w.WriteInt32(regency);
        w.WriteRaw(digest);
    });

    /// <summary>Replays the log into <paramref name="visitor"/>; a record that does not decode ends the replay.</summary>
    public void Replay(IReplayVisitor visitor)
    {
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
                        visitor.OnWrote(r.ReadInt64(1, long.MaxValue), r.ReadInt32(0, int.MaxValue), r.ReadSizedArray(MessageCodec.MaxBlob));
                        break;
                    case AcceptedRecord:
                        visitor.OnAccepted(r.ReadInt64(1, long.MaxValue), r.ReadInt32(0, int.MaxValue), r.ReadDigest());
                        break;
                    case DecidedRecord:
                        var instance = r.ReadInt64(1, long.MaxValue);
                        var regency = r.ReadInt32(0, int.MaxValue);
                        var value = r.ReadSizedArray(MessageCodec.MaxBlob);
                        var accepts = new SignedAccept[r.ReadCount(68)];
                        for (var i = 0; i < accepts.Length; i++)
                        {
                            accepts[i] = new SignedAccept(r.ReadInt32(), r.ReadSpan(Crypto.Signer.SignatureSize).ToArray());
                        }

                        visitor.OnDecided(instance, regency, value, accepts);
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

    private byte[] Encode(Action<ArrayBufferWriter<byte>> write)
    {
        writer.ResetWrittenCount();
        write(writer);
        return writer.WrittenSpan.ToArray();
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
