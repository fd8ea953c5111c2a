using System.Buffers.Binary;
using System.Security.Cryptography;

namespace LogService.Sealing.Format;

/// <summary>
/// Bodies of open, seal, close and rotation entries. Seal and close record the count of entries before them
/// and the head Y_{j-1}, so a verifier holding one of them knows how long the stream was at that point.
/// </summary>
internal static class ControlBody
{
    public const int OpenLength = 2;
    public const int CheckpointLength = 8 + EntryFormat.HashSize;
    public const int RotationLength = CheckpointLength + EntryFormat.HashSize;

    private static ReadOnlySpan<byte> RotateLabel => "rotate"u8;

    public static int LengthOf(EntryKind kind) => kind switch
    {
        EntryKind.Open => OpenLength,
        EntryKind.Seal or EntryKind.Close => CheckpointLength,
        EntryKind.Rotation => RotationLength,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "data entries have caller bodies"),
    };

    public static void WriteOpen(Span<byte> body)
    {
        body[0] = EntryFormat.Version;
        body[1] = EntryFormat.Suite;
    }

    public static void WriteCheckpoint(Span<byte> body, long count, ReadOnlySpan<byte> head)
    {
        BinaryPrimitives.WriteInt64BigEndian(body, count);
        head.CopyTo(body[8..]);
    }

    /// <summary>Commitment to the next initial secret, so a verifier can tell it was handed the right one.</summary>
    public static void WriteRotationCommitment(ReadOnlySpan<byte> nextSecret, Span<byte> commitment)
    {
        Span<byte> input = stackalloc byte[6 + EntryFormat.KeySize];
        RotateLabel.CopyTo(input);
        nextSecret.CopyTo(input[6..]);
        SHA256.HashData(input, commitment);
        CryptographicOperations.ZeroMemory(input);
    }

    /// <summary>Checks a decrypted control body against what the verifier saw; null when it agrees.</summary>
    public static string? Check(EntryKind kind, ReadOnlySpan<byte> body, long sequence, ReadOnlySpan<byte> previousLink, ReadOnlySpan<byte> nextSecret)
    {
        if (kind == EntryKind.Data)
        {
            return null;
        }

        if (body.Length != LengthOf(kind))
        {
            return $"{kind} entry body has length {body.Length}";
        }

        if (kind == EntryKind.Open)
        {
            return body[0] == EntryFormat.Version && body[1] == EntryFormat.Suite ? null : "open entry names unknown sealing parameters";
        }

        if (BinaryPrimitives.ReadInt64BigEndian(body) != sequence || !body.Slice(8, EntryFormat.HashSize).SequenceEqual(previousLink))
        {
            return $"{kind} entry records a count or head that disagrees with the chain";
        }

        if (kind == EntryKind.Rotation && !nextSecret.IsEmpty)
        {
            Span<byte> commitment = stackalloc byte[EntryFormat.HashSize];
            WriteRotationCommitment(nextSecret, commitment);
            if (!body[CheckpointLength..].SequenceEqual(commitment))
            {
                return "rotation entry commits to a different next secret than the one supplied";
            }
        }

        return null;
    }
}
