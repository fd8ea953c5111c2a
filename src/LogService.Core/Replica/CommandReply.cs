using System.Buffers.Binary;
using System.Text;

namespace LogService.Core.Replica;

/// <summary>How the Log Core disposed of one command.</summary>
public enum CommandOutcome : byte
{
    /// <summary>Executed; the statement describes the stream after it.</summary>
    Committed = 1,

    /// <summary>The same batch was already appended; nothing was appended again and the statement covers the original.</summary>
    Duplicate = 2,

    /// <summary>Refused deterministically (every correct replica refuses it); nothing changed.</summary>
    Rejected = 3,
}

/// <summary>
/// A replica's answer to one command: a part every correct replica produces identically (outcome, reason, statement)
/// followed by this replica's id and its signature over the statement. Clients match replies on
/// <see cref="AgreedPart"/> and collect the signatures into a receipt.
/// </summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Reason">Why a command was rejected; empty otherwise.</param>
/// <param name="Statement">The commit statement, absent when rejected.</param>
/// <param name="ReplicaId">The replying replica.</param>
/// <param name="Signature">Its signature over <paramref name="Statement"/>, or empty.</param>
public sealed record CommandReply(CommandOutcome Outcome, string Reason, CommitStatement? Statement, int ReplicaId, byte[] Signature)
{
    private const int TrailerSize = 4 + CommitStatement.SignatureSize;

    /// <summary>Encodes the reply: the agreed part, then a fixed-size trailer of replica id and signature.</summary>
    public byte[] Encode()
    {
        var reason = Encoding.UTF8.GetBytes(Reason);
        var statement = Statement?.ToSignedBytes() ?? [];
        var bytes = new byte[1 + 4 + reason.Length + 4 + statement.Length + TrailerSize];
        var span = bytes.AsSpan();
        span[0] = (byte)Outcome;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], reason.Length);
        reason.CopyTo(span[5..]);
        BinaryPrimitives.WriteInt32BigEndian(span[(5 + reason.Length)..], statement.Length);
        statement.CopyTo(span[(9 + reason.Length)..]);
        var trailer = span[^TrailerSize..];
        BinaryPrimitives.WriteInt32BigEndian(trailer, ReplicaId);
        Signature.AsSpan().CopyTo(trailer[4..]);
        return bytes;
    }

    /// <summary>The bytes every correct replica's reply shares: everything before the replica id and signature.</summary>
    public static ReadOnlyMemory<byte> AgreedPart(ReadOnlyMemory<byte> encodedReply) =>
        encodedReply.Length >= TrailerSize ? encodedReply[..^TrailerSize] : encodedReply;

    /// <summary>Decodes a reply.</summary>
    /// <exception cref="FormatException">The bytes are not a reply.</exception>
    public static CommandReply Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 9 + TrailerSize || bytes[0] is < 1 or > 3)
        {
            throw new FormatException("not a Log Core reply");
        }

        var reasonLength = BinaryPrimitives.ReadInt32BigEndian(bytes[1..]);
        if (reasonLength < 0 || 9 + reasonLength + TrailerSize > bytes.Length)
        {
            throw new FormatException("reply reason length is out of range");
        }

        var reason = Encoding.UTF8.GetString(bytes.Slice(5, reasonLength));
        var statementLength = BinaryPrimitives.ReadInt32BigEndian(bytes[(5 + reasonLength)..]);
        if (statementLength < 0 || 9 + reasonLength + statementLength + TrailerSize != bytes.Length)
        {
            throw new FormatException("reply statement length is out of range");
        }

        var statement = statementLength == 0 ? null : StatementCodec.Decode(bytes.Slice(9 + reasonLength, statementLength));
        var trailer = bytes[^TrailerSize..];
        return new CommandReply((CommandOutcome)bytes[0], reason, statement, BinaryPrimitives.ReadInt32BigEndian(trailer), trailer[4..].ToArray());
    }
}

/// <summary>Reads the signed form of a <see cref="CommitStatement"/> back.</summary>
internal static class StatementCodec
{
    private const int DomainLength = 17;

    public static CommitStatement Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < DomainLength + 2 || !bytes[..DomainLength].SequenceEqual("logsvc/commit/v1\0"u8))
        {
            throw new FormatException("not a commit statement");
        }

        var rest = bytes[DomainLength..];
        int idLength = BinaryPrimitives.ReadUInt16BigEndian(rest);
        if (rest.Length != 2 + idLength + 88)
        {
            throw new FormatException("commit statement has the wrong length");
        }

        var id = Encoding.UTF8.GetString(rest.Slice(2, idLength));
        var fields = rest[(2 + idLength)..];
        return new CommitStatement(
            id,
            BinaryPrimitives.ReadInt64BigEndian(fields),
            BinaryPrimitives.ReadInt64BigEndian(fields[8..]),
            fields.Slice(16, 32).ToArray(),
            fields.Slice(48, 32).ToArray(),
            BinaryPrimitives.ReadInt64BigEndian(fields[80..]));
    }
}
