using System.Buffers;
using LogService.Replication.Crypto;
using LogService.Replication.Events;

namespace LogService.Replication.Wire;

/// <summary>
/// The versioned binary wire format: every message starts with [version u8][type u8]; integers are little-endian;
/// byte strings are int32-length-prefixed; digests are 32 bytes; signatures are 64 bytes (P-256, IEEE P1363).
/// </summary>
internal static class MessageCodec
{
    public const byte Version = 1;

    /// <summary>Upper bound for any byte string, far above configured limits; the engine enforces its own limits too.</summary>
    public const int MaxBlob = 64 << 20;

    /// <summary>The largest part id a state-part message may name.</summary>
    public const int MaxPart = 4096;

    public static void Encode(ArrayBufferWriter<byte> w, Message message)
    {
        w.WriteHeader(message.Kind);
        switch (message)
        {
            case RequestMessage m:
                w.WriteInt32(m.ClientId);
                w.WriteInt64(m.Sequence);
                w.WriteByte(m.ReadOnly ? (byte)1 : (byte)0);
                w.WriteSized(m.Payload);
                break;
            case ReplyMessage m:
                w.WriteInt64(m.Sequence);
                w.WriteByte(m.ReadOnly ? (byte)1 : (byte)0);
                w.WriteInt32(m.Regency);
                w.WriteSized(m.Result);
                break;
            case ProposeMessage m:
                w.WriteInt32(m.Regency);
                w.WriteInt64(m.Instance);
                w.WriteSized(m.Value);
                w.WriteRaw(m.Signature);
                break;
            case WriteMessage m:
                w.WriteInt32(m.Regency);
                w.WriteInt64(m.Instance);
                w.WriteRaw(m.Digest);
                w.WriteRaw(m.LeaderSignature);
                break;
            case AcceptMessage m:
                w.WriteInt32(m.Regency);
                w.WriteInt64(m.Instance);
                w.WriteRaw(m.Digest);
                w.WriteRaw(m.Signature);
                break;
            case StopMessage m:
                w.WriteInt32(m.Regency);
                break;
            case StopDataMessage m:
                EncodeStopDataBody(w, m);
                w.WriteRaw(m.Signature);
                break;
            case SyncMessage m:
                w.WriteInt32(m.Regency);
                w.WriteInt32(m.StopData.Length);
                foreach (var s in m.StopData)
                {
                    w.WriteSized(s);
                }

                break;
            case StateRequestMessage m:
                w.WriteInt64(m.LastExecuted);
                break;
            case StatePartRequestMessage m:
                w.WriteInt64(m.CheckpointInstance);
                w.WriteSized(m.Part);
                w.WriteByte(m.WantData ? (byte)1 : (byte)0);
                break;
            case StatePartReplyMessage m:
                w.WriteInt64(m.CheckpointInstance);
                w.WriteSized(m.Part);
                w.WriteByte(m.Held ? (byte)1 : (byte)0);
                w.WriteSized(m.Digest);
                w.WriteSized(m.Data);
                break;
            case StateReplyMessage m:
                w.WriteInt32(m.Regency);
                w.WriteInt64(m.CheckpointInstance);
                w.WriteSized(m.Checkpoint);
                w.WriteInt32(m.Decided.Length);
                foreach (var d in m.Decided)
                {
                    w.WriteInt64(d.Instance);
                    w.WriteSized(d.Value);
                    w.WriteInt32(d.Regency);
                    WriteAccepts(w, d.Accepts);
                }

                w.WriteSized(m.Sync);
                break;
            default:
                throw new ArgumentException($"cannot encode {message.GetType().Name}", nameof(message));
        }
    }

    /// <summary>Writes everything a STOPDATA signature covers (header included), so signer and verifier agree byte for byte.</summary>
    public static void EncodeStopDataBody(ArrayBufferWriter<byte> w, StopDataMessage m)
    {
        if (w.WrittenCount == 0)
        {
            w.WriteHeader(MessageKind.StopData);
        }

        w.WriteInt32(m.Regency);
        w.WriteInt32(m.Replica);
        w.WriteInt64(m.LastExecuted);
        w.WriteByte(m.LastDecided is null ? (byte)0 : (byte)1);
        if (m.LastDecided is { } p)
        {
            w.WriteInt64(p.Instance);
            w.WriteInt32(p.Regency);
            w.WriteRaw(p.Digest);
            WriteAccepts(w, p.Accepts);
        }

        w.WriteInt32(m.States.Length);
        foreach (var s in m.States)
        {
            w.WriteInt64(s.Instance);
            w.WriteInt32(s.ValueRegency);
            w.WriteRaw(s.ValueDigest);
            w.WriteSized(s.Value);
            w.WriteInt32(s.WriteSet.Length);
            foreach (var e in s.WriteSet)
            {
                w.WriteInt32(e.Regency);
                w.WriteRaw(e.Digest);
            }
        }
    }

    /// <summary>Writes a proof's signed ACCEPTs; the consensus log writes its decisions' proofs the same way.</summary>
    internal static void WriteAccepts(ArrayBufferWriter<byte> w, SignedAccept[] accepts)
    {
        w.WriteInt32(accepts.Length);
        foreach (var a in accepts)
        {
            w.WriteInt32(a.Replica);
            w.WriteRaw(a.Signature);
        }
    }

    /// <summary>Reads what <see cref="WriteAccepts"/> wrote.</summary>
    internal static SignedAccept[] ReadAccepts(ref SpanReader r)
    {
        var accepts = new SignedAccept[r.ReadCount(4 + Signer.SignatureSize)];
        for (var i = 0; i < accepts.Length; i++)
        {
            accepts[i] = new SignedAccept(r.ReadInt32(0, NodeLimits.MaxReplicas - 1), r.ReadSpan(Signer.SignatureSize).ToArray());
        }

        return accepts;
    }

    /// <summary>Decodes one message; throws <see cref="WireFormatException"/> on anything malformed, never anything else.</summary>
    public static Message Decode(ReadOnlySpan<byte> bytes)
    {
        var r = new SpanReader(bytes);
        var version = r.ReadByte();
        if (version != Version)
        {
            throw new WireFormatException($"unsupported version {version}");
        }

        var kind = (MessageKind)r.ReadByte();
        Message message = kind switch
        {
            MessageKind.Request or MessageKind.Forward => new RequestMessage(
                r.ReadInt32(), r.ReadInt64(1, long.MaxValue), ReadFlag(ref r), r.ReadSizedArray(MaxBlob), kind == MessageKind.Forward),
            MessageKind.Reply => new ReplyMessage(r.ReadInt64(), ReadFlag(ref r), r.ReadInt32(0, int.MaxValue), r.ReadSizedArray(MaxBlob)),
            MessageKind.Propose => new ProposeMessage(
                r.ReadInt32(0, int.MaxValue), r.ReadInt64(1, long.MaxValue), r.ReadSizedArray(MaxBlob), r.ReadSpan(Signer.SignatureSize).ToArray()),
            MessageKind.Write => new WriteMessage(
                r.ReadInt32(0, int.MaxValue), r.ReadInt64(1, long.MaxValue), r.ReadDigest(), r.ReadSpan(Signer.SignatureSize).ToArray()),
            MessageKind.Accept => new AcceptMessage(
                r.ReadInt32(0, int.MaxValue), r.ReadInt64(1, long.MaxValue), r.ReadDigest(), r.ReadSpan(Signer.SignatureSize).ToArray()),
            MessageKind.Stop => new StopMessage(r.ReadInt32(1, int.MaxValue)),
            MessageKind.StopData => DecodeStopData(ref r, bytes),
            MessageKind.Sync => DecodeSync(ref r),
            MessageKind.StateRequest => new StateRequestMessage(r.ReadInt64(0, long.MaxValue)),
            MessageKind.StateReply => DecodeStateReply(ref r),
            MessageKind.StatePartRequest => new StatePartRequestMessage(r.ReadInt64(1, long.MaxValue), r.ReadSizedArray(MaxPart), ReadFlag(ref r)),
            MessageKind.StatePartReply => new StatePartReplyMessage(
                r.ReadInt64(1, long.MaxValue), r.ReadSizedArray(MaxPart), ReadFlag(ref r), r.ReadSizedArray(64), r.ReadSizedArray(MaxBlob)),
            _ => throw new WireFormatException($"unknown message type {(byte)kind}"),
        };
        r.ExpectEnd();
        return message;
    }

    private static bool ReadFlag(ref SpanReader r) => r.ReadByte() switch
    {
        0 => false,
        1 => true,
        var b => throw new WireFormatException($"bad flag {b}"),
    };

    private static StopDataMessage DecodeStopData(ref SpanReader r, ReadOnlySpan<byte> whole)
    {
        var regency = r.ReadInt32(1, int.MaxValue);
        var replica = r.ReadInt32(0, NodeLimits.MaxReplicas - 1);
        var lastExecuted = r.ReadInt64(0, long.MaxValue);
        DecisionProof? proof = null;
        if (ReadFlag(ref r))
        {
            var instance = r.ReadInt64(1, long.MaxValue);
            var reg = r.ReadInt32(0, int.MaxValue);
            var digest = r.ReadDigest();
            proof = new DecisionProof(instance, reg, digest, ReadAccepts(ref r));
        }

        var states = new InstanceState[r.ReadCount(8 + 4 + Digest.Size + 4 + 4)];
        for (var i = 0; i < states.Length; i++)
        {
            var instance = r.ReadInt64(1, long.MaxValue);
            var valueRegency = r.ReadInt32(-1, int.MaxValue);
            var valueDigest = r.ReadDigest();
            var value = r.ReadSizedArray(MaxBlob);
            var writeSet = new WriteSetEntry[r.ReadCount(4 + Digest.Size)];
            for (var j = 0; j < writeSet.Length; j++)
            {
                writeSet[j] = new WriteSetEntry(r.ReadInt32(0, int.MaxValue), r.ReadDigest());
            }

            states[i] = new InstanceState(instance, valueRegency, valueDigest, value, writeSet);
        }

        var signature = r.ReadSpan(Signer.SignatureSize).ToArray();
        return new StopDataMessage(regency, replica, lastExecuted, proof, states, signature) { Raw = whole.ToArray() };
    }

    private static SyncMessage DecodeSync(ref SpanReader r)
    {
        var regency = r.ReadInt32(1, int.MaxValue);
        var parts = new byte[r.ReadCount(4)][];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = r.ReadSizedArray(MaxBlob);
        }

        return new SyncMessage(regency, parts);
    }

    private static StateReplyMessage DecodeStateReply(ref SpanReader r)
    {
        var regency = r.ReadInt32(0, int.MaxValue);
        var checkpointInstance = r.ReadInt64(0, long.MaxValue);
        var checkpoint = r.ReadSizedArray(MaxBlob);
        var decided = new DecidedValue[r.ReadCount(20)];
        for (var i = 0; i < decided.Length; i++)
        {
            decided[i] = new DecidedValue(r.ReadInt64(1, long.MaxValue), r.ReadSizedArray(MaxBlob), r.ReadInt32(0, int.MaxValue), ReadAccepts(ref r));
        }

        return new StateReplyMessage(regency, checkpointInstance, checkpoint, decided, r.ReadSizedArray(MaxBlob));
    }
}

/// <summary>Hard limits the decoder enforces regardless of configuration.</summary>
internal static class NodeLimits
{
    public const int MaxReplicas = 1000;
}
