using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using LogService.Sealing.Format;

namespace LogService.Sealing;

/// <summary>Stream creation: the genesis link G and a fresh initial secret A_0.</summary>
public static class StreamGenesis
{
    /// <summary>Length in bytes of A_0, every A_j, K_j, Y_j and Z_j.</summary>
    public const int SecretSize = EntryFormat.KeySize;

    /// <summary>
    /// The genesis link G = H("genesis" ‖ stream id ‖ parameters) (DESIGN §6's Y_0), which precedes entry 0.
    /// The stream id is length-prefixed UTF-8 and the parameters are the format version and suite byte, so
    /// entries can never be replayed under another stream name or suite.
    /// </summary>
    public static byte[] ComputeGenesisLink(string streamId)
    {
        var id = Encoding.UTF8.GetBytes(streamId);
        ValidateStreamId(id.Length);
        var input = new byte["genesis"u8.Length + 2 + id.Length + 2];
        "genesis"u8.CopyTo(input);
        BinaryPrimitives.WriteUInt16BigEndian(input.AsSpan("genesis"u8.Length), (ushort)id.Length);
        id.CopyTo(input.AsSpan("genesis"u8.Length + 2));
        input[^2] = EntryFormat.Version;
        input[^1] = EntryFormat.Suite;
        return SHA256.HashData(input);
    }

    /// <summary>Draws a new initial secret A_0 from the injected randomness source.</summary>
    public static byte[] GenerateInitialSecret(IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var secret = new byte[SecretSize];
        random.Fill(secret);
        return secret;
    }

    internal static void ValidateStreamId(int utf8Length)
    {
        if (utf8Length is 0 or > EntryFormat.MaxStringBytes)
        {
            throw new ArgumentException($"a stream id must be 1..{EntryFormat.MaxStringBytes} UTF-8 bytes");
        }
    }
}
