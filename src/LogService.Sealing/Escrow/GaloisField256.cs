namespace LogService.Sealing.Escrow;

/// <summary>
/// Arithmetic in GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1, by log and exp tables over the
/// generator 3. Table lookups depend on secret values, which is acceptable for offline escrow, not for a hot path.
/// </summary>
internal static class GaloisField256
{
    private static readonly byte[] Exp = new byte[510];
    private static readonly byte[] Log = new byte[256];

    static GaloisField256()
    {
        var value = 1;
        for (var power = 0; power < 255; power++)
        {
            Exp[power] = (byte)value;
            Exp[power + 255] = (byte)value;
            Log[value] = (byte)power;
            // Multiply by the generator 3 = x + 1: value * x, reduced, xor value.
            var doubled = value << 1;
            if ((doubled & 0x100) != 0)
            {
                doubled ^= 0x11B;
            }

            value = doubled ^ value;
        }
    }

    public static byte Add(byte a, byte b) => (byte)(a ^ b);

    public static byte Multiply(byte a, byte b) => a == 0 || b == 0 ? (byte)0 : Exp[Log[a] + Log[b]];

    public static byte Divide(byte a, byte b)
    {
        if (b == 0)
        {
            throw new DivideByZeroException("division by zero in GF(256)");
        }

        return a == 0 ? (byte)0 : Exp[Log[a] + 255 - Log[b]];
    }
}
