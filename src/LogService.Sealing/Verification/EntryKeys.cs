using LogService.Sealing.Format;

namespace LogService.Sealing.Verification;

/// <summary>
/// One chunk's per-entry secrets, computed in chain order and read by the workers: K_j and the HMAC key's
/// inner and outer SHA-256 states (eight words each) for Z_j.
/// </summary>
internal readonly struct EntryKeys(byte[] keys, uint[] macPads)
{
    public const int MacPadWords = 16;

    public Span<byte> Key(int index) => keys.AsSpan(index * EntryFormat.KeySize, EntryFormat.KeySize);

    public Span<uint> MacPads(int index) => macPads.AsSpan(index * MacPadWords, MacPadWords);

    /// <summary>The key states of <paramref name="count"/> consecutive entries from <paramref name="index"/>, back to back.</summary>
    public ReadOnlySpan<uint> MacPads(int index, int count) => macPads.AsSpan(index * MacPadWords, count * MacPadWords);
}
