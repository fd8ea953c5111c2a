using System.Buffers.Binary;
using System.Text;

namespace LogService.Core.Replica;

/// <summary>How the Log Core disposed of one command.</summary>
public enum CommandOutcome : byte
{
    /// <summary>Executed; the statements describe the streams after it.</summary>
    Committed = 1,

    /// <summary>Already done before (a retried batch, a certificate no newer than the stored one); nothing changed
    /// and the statement covers the original.</summary>
    Duplicate = 2,

    /// <summary>Refused deterministically (every correct replica refuses it); nothing changed.</summary>
    Rejected = 3,

    /// <summary>Refused because the tenant is over its quota or rate limit; <see cref="CommandReply.RetryAfterMilliseconds"/>
    /// says when the same batch would fit (-1: never). Nothing changed.</summary>
    OverQuota = 4,
}

/// <summary>
/// A replica's answer to one command: a part every correct replica produces identically (outcome, reason, retry-after,
/// statements) followed by this replica's id and its signature over each statement. Clients match replies on
/// <see cref="AgreedPart"/> and collect the signatures into a receipt (f+1) or a certificate (2f+1).
/// </summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Reason">Why a command was refused; empty otherwise.</param>
/// <param name="Statements">The commit statements: one for a write, one per stream for a head certification, none when refused.</param>
/// <param name="ReplicaId">The replying replica.</param>
/// <param name="Signatures">Its signature over each statement, in the same order; empty before signing.</param>
public sealed record CommandReply(CommandOutcome Outcome, string Reason, IReadOnlyList<CommitStatement> Statements, int ReplicaId, IReadOnlyList<byte[]> Signatures)
{
    /// <summary>Creates a reply with at most one statement.</summary>
    public CommandReply(CommandOutcome outcome, string reason, CommitStatement? statement, int replicaId, byte[] signature)
        : this(outcome, reason, statement is null ? [] : [statement], replicaId, signature.Length == 0 ? [] : [signature])
    {
    }

    /// <summary>For <see cref="CommandOutcome.OverQuota"/>: milliseconds until the same batch would fit, -1 when it never will; 0 otherwise.</summary>
    public long RetryAfterMilliseconds { get; init; }

    /// <summary>The first (for writes, the only) statement, or null.</summary>
    public CommitStatement? Statement => Statements.Count > 0 ? Statements[0] : null;

    /// <summary>The signature over <see cref="Statement"/>, or empty.</summary>
    public byte[] Signature => Signatures.Count > 0 ? Signatures[0] : [];

    /// <summary>
    /// Encodes the reply: outcome, reason, retry-after and the statements (the agreed part), then a trailer of the
    /// replica id and one 64-byte signature per statement (all zero when unsigned).
    /// </summary>
    public byte[] Encode()
    {
        var reason = Encoding.UTF8.GetBytes(Reason);
        var statements = Statements.Select(s => s.ToSignedBytes()).ToArray();
        var agreedLength = 1 + 4 + reason.Length + 8 + 4 + statements.Sum(s => 4 + s.Length);
        var bytes = new byte[agreedLength + TrailerSize(statements.Length)];
        var span = bytes.AsSpan();
        span[0] = (byte)Outcome;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], reason.Length);
        reason.CopyTo(span[5..]);
        var at = 5 + reason.Length;
        BinaryPrimitives.WriteInt64BigEndian(span[at..], RetryAfterMilliseconds);
        BinaryPrimitives.WriteInt32BigEndian(span[(at + 8)..], statements.Length);
        at += 12;
        foreach (var statement in statements)
        {
            BinaryPrimitives.WriteInt32BigEndian(span[at..], statement.Length);
            statement.CopyTo(span[(at + 4)..]);
            at += 4 + statement.Length;
        }

        BinaryPrimitives.WriteInt32BigEndian(span[at..], ReplicaId);
        for (var i = 0; i < Signatures.Count && i < statements.Length; i++)
        {
            Signatures[i].AsSpan().CopyTo(span[(at + 4 + (i * CommitStatement.SignatureSize))..]);
        }

        return bytes;
    }

    /// <summary>The bytes every correct replica's reply shares: everything before the replica id and signatures.</summary>
    public static ReadOnlyMemory<byte> AgreedPart(ReadOnlyMemory<byte> encodedReply)
    {
        try
        {
            return encodedReply[..ReadAgreedLength(encodedReply.Span, out _)];
        }
        catch (FormatException)
        {
            return encodedReply;
        }
    }

    /// <summary>Decodes a reply.</summary>
    /// <exception cref="FormatException">The bytes are not a reply.</exception>
    public static CommandReply Decode(ReadOnlySpan<byte> bytes)
    {
        var agreedLength = ReadAgreedLength(bytes, out var count);
        var reasonLength = BinaryPrimitives.ReadInt32BigEndian(bytes[1..]);
        var reason = Encoding.UTF8.GetString(bytes.Slice(5, reasonLength));
        var retryAfter = BinaryPrimitives.ReadInt64BigEndian(bytes[(5 + reasonLength)..]);
        var statements = new CommitStatement[count];
        var at = 5 + reasonLength + 12;
        for (var i = 0; i < count; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes[at..]);
            statements[i] = StatementCodec.Decode(bytes.Slice(at + 4, length));
            at += 4 + length;
        }

        var trailer = bytes[agreedLength..];
        var signatures = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            signatures[i] = trailer.Slice(4 + (i * CommitStatement.SignatureSize), CommitStatement.SignatureSize).ToArray();
        }

        return new CommandReply((CommandOutcome)bytes[0], reason, statements, BinaryPrimitives.ReadInt32BigEndian(trailer), signatures)
        {
            RetryAfterMilliseconds = retryAfter,
        };
    }

    private static int TrailerSize(int statements) => 4 + (statements * CommitStatement.SignatureSize);

    /// <summary>Walks the agreed part's length fields, checking each against the total so a hostile reply cannot overrun.</summary>
    private static int ReadAgreedLength(ReadOnlySpan<byte> bytes, out int count)
    {
        if (bytes.Length < 17 + TrailerSize(0) || bytes[0] is < 1 or > 4)
        {
            throw new FormatException("not a Log Core reply");
        }

        var reasonLength = BinaryPrimitives.ReadInt32BigEndian(bytes[1..]);
        if (reasonLength < 0 || reasonLength > bytes.Length - 17)
        {
            throw new FormatException("reply reason length is out of range");
        }

        var at = 5 + reasonLength + 8;
        count = BinaryPrimitives.ReadInt32BigEndian(bytes[at..]);
        at += 4;
        if (count < 0 || count > (bytes.Length - at) / (4 + CommitStatement.SignatureSize))
        {
            throw new FormatException("reply statement count is out of range");
        }

        for (var i = 0; i < count; i++)
        {
            var length = at + 4 <= bytes.Length ? BinaryPrimitives.ReadInt32BigEndian(bytes[at..]) : -1;
            if (length < 0 || length > bytes.Length - at - 4)
            {
                throw new FormatException("reply statement length is out of range");
            }

            at += 4 + length;
        }

        if (at + TrailerSize(count) != bytes.Length)
        {
            throw new FormatException("reply has the wrong length");
        }

        return at;
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
