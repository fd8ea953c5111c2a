namespace LogService.Sealing.Format;

/// <summary>Constants of the canonical sealed-entry encoding, version 1 (docs/sealing-format.md).</summary>
internal static class EntryFormat
{
    public const byte Version = 1;

    /// <summary>Suite 1: H = SHA-256, MAC = HMAC-SHA256, E = AES-256-GCM.</summary>
    public const byte Suite = 1;

    public const int HashSize = 32;
    public const int KeySize = 32;
    public const int TagSize = 16;
    public const int NonceSize = 12;

    /// <summary>version, kind, sequence, timestamp, level, mask.</summary>
    public const int FixedHeaderSize = 1 + 1 + 8 + 8 + 1 + 8;

    public const int StringFieldCount = 6;

    /// <summary>Longest UTF-8 encoding of one header string; keeps headers small enough to index.</summary>
    public const int MaxStringBytes = 1024;

    /// <summary>Largest body; bigger payloads belong in object storage with a reference in the entry.</summary>
    public const int MaxBodyBytes = 16 * 1024 * 1024;

    public const byte MaxLevel = 5;

    /// <summary>Bytes after the header: ciphertext length, tag, link Y_j and MAC Z_j.</summary>
    public const int TrailerOverhead = 4 + TagSize + HashSize + HashSize;

    public static bool IsKnownKind(byte kind) => kind is >= (byte)EntryKind.Open and <= (byte)EntryKind.Rotation;
}
