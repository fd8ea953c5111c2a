using System.Text;

namespace LogService.Core.Replica;

/// <summary>
/// The read-only queries of <see cref="LogCoreStateMachine.ExecuteReadOnly"/>: a kind byte and a stream id (UTF-8).
/// Hosts in the same process can call <see cref="LogCoreStateMachine.SignedHead"/> and
/// <see cref="LogCoreStateMachine.LatestCertificate"/> directly instead.
/// </summary>
public static class LogQueries
{
    /// <summary>What a query asks for.</summary>
    public enum Kind : byte
    {
        /// <summary>Not a known query.</summary>
        Unknown = 0,

        /// <summary>The replica's signed head of a stream; answered with an encoded <see cref="CommandReply"/>.</summary>
        Head = 1,

        /// <summary>The latest stored certified head; answered with an encoded <see cref="HeadCertificate"/>, or no bytes when there is none.</summary>
        CertifiedHead = 2,
    }

    /// <summary>The query for a replica's signed head of <paramref name="streamId"/> (GET .../head).</summary>
    public static byte[] Head(string streamId) => Encode(Kind.Head, streamId);

    /// <summary>The query for the latest certified head of <paramref name="streamId"/> (GET .../certified-head).</summary>
    public static byte[] CertifiedHead(string streamId) => Encode(Kind.CertifiedHead, streamId);

    internal static (Kind Kind, string StreamId) Decode(ReadOnlySpan<byte> query) =>
        query.Length < 2 || query[0] is not ((byte)Kind.Head or (byte)Kind.CertifiedHead)
            ? (Kind.Unknown, "")
            : ((Kind)query[0], Encoding.UTF8.GetString(query[1..]));

    private static byte[] Encode(Kind kind, string streamId)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        var bytes = new byte[1 + Encoding.UTF8.GetByteCount(streamId)];
        bytes[0] = (byte)kind;
        Encoding.UTF8.GetBytes(streamId, bytes.AsSpan(1));
        return bytes;
    }
}
