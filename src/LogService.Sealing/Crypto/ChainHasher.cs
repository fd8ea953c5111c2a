using System.Buffers.Binary;
using System.Security.Cryptography;
using LogService.Sealing.Format;

namespace LogService.Sealing.Crypto;

/// <summary>
/// The hash chain's primitives (DESIGN §6). Short inputs (K_j, A_{j+1}, the HMAC) are hashed in managed code;
/// the link, which covers the whole entry, goes to libcrypto's SHA-256 in one call (<see cref="LibcryptoSha256"/>). Not thread-safe: each thread uses its own instance.
/// </summary>
internal sealed class ChainHasher
{
    private const int HmacBlockSize = 64;
    private static ReadOnlySpan<byte> EncryptLabel => "encrypt"u8;
    private static ReadOnlySpan<byte> EvolveLabel => "evolve"u8;

    private readonly ShortSha256 _short = new();
    private byte[] _linkInput = new byte[1024];

    /// <summary>K_j = H("encrypt" ‖ W_j ‖ A_j).</summary>
    public void DeriveEncryptionKey(ulong mask, ReadOnlySpan<byte> secret, Span<byte> key)
    {
        Span<byte> maskBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(maskBytes, mask);
        _short.Append(EncryptLabel);
        _short.Append(maskBytes);
        _short.Append(secret);
        _short.Finish(key);
    }

    /// <summary>A_{j+1} = H("evolve" ‖ A_j), overwriting A_j in place so the old secret is gone.</summary>
    public void Evolve(Span<byte> secret)
    {
        _short.Append(EvolveLabel);
        _short.Append(secret);
        _short.Finish(secret);
    }

    /// <summary>
    /// Everything entry j needs from A_j alone, in one compression of four lanes side by side: K_j, A_{j+1} (written over
    /// <paramref name="secret"/>, erasing A_j) and the HMAC's inner and outer key states for <see cref="ComputeMacFromPads"/>.
    /// </summary>
    public void PrepareEntry(ulong mask, Span<byte> secret, Span<byte> key, Span<uint> macPads)
    {
        Span<byte> blocks = stackalloc byte[4 * EightLaneSha256.BlockSize];
        blocks.Clear();
        var encrypt = blocks[..64];
        EncryptLabel.CopyTo(encrypt);
        BinaryPrimitives.WriteUInt64BigEndian(encrypt[7..], mask);
        secret.CopyTo(encrypt[15..]);
        PadSingleBlock(encrypt, 7 + 8 + EntryFormat.KeySize);
        var evolve = blocks.Slice(64, 64);
        EvolveLabel.CopyTo(evolve);
        secret.CopyTo(evolve[6..]);
        PadSingleBlock(evolve, 6 + EntryFormat.KeySize);
        PadKey(secret, blocks.Slice(128, 64), 0x36);
        PadKey(secret, blocks.Slice(192, 64), 0x5c);

        Span<uint> states = stackalloc uint[4 * 8];
        EightLaneSha256.CompressFromInitialState(blocks, 4, states);
        for (var word = 0; word < 8; word++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(key[(word * 4)..], states[word]);
            BinaryPrimitives.WriteUInt32BigEndian(secret[(word * 4)..], states[8 + word]);
        }

        states[16..].CopyTo(macPads);
        CryptographicOperations.ZeroMemory(blocks);
        CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(states));
    }

    /// <summary>Z_j = HMAC-SHA256 over Y_j, continuing from the key states <see cref="PrepareEntry"/> computed.</summary>
    public void ComputeMacFromPads(ReadOnlySpan<uint> macPads, ReadOnlySpan<byte> link, Span<byte> mac)
    {
        Span<byte> inner = stackalloc byte[EntryFormat.HashSize];
        _short.Resume(macPads[..8], HmacBlockSize);
        _short.Append(link);
        _short.Finish(inner);
        _short.Resume(macPads[8..], HmacBlockSize);
        _short.Append(inner);
        _short.Finish(mac);
    }

    /// <summary>
    /// <see cref="ComputeMacFromPads"/> for up to eight entries side by side (<see cref="EightLaneSha256"/>): Z over each
    /// 32-byte link in <paramref name="links"/>, continuing from that entry's 16 key-state words in <paramref name="macPads"/>,
    /// written to <paramref name="macs"/> in order. One eight-lane compression per HMAC half serves eight entries.
    /// </summary>
    public static void ComputeMacsFromPads(ReadOnlySpan<uint> macPads, ReadOnlySpan<byte> links, Span<byte> macs)
    {
        const int PadWords = 16;
        var count = links.Length / EntryFormat.HashSize;
        if (count > EightLaneSha256.Lanes || macPads.Length < count * PadWords || macs.Length < links.Length)
        {
            throw new ArgumentException("up to eight links, each with its key states and room for its MAC");
        }

        Span<byte> messages = stackalloc byte[EightLaneSha256.Lanes * HmacBlockSize];
        Span<uint> states = stackalloc uint[EightLaneSha256.Lanes * 8];
        Span<int> blocks = stackalloc int[count];
        for (var half = 0; half < 2; half++)
        {
            // The inner half hashes the link after the ipad state; the outer hashes the inner digest after the opad state.
            var input = half == 0 ? links : macs;
            for (var lane = 0; lane < count; lane++)
            {
                var message = messages.Slice(lane * HmacBlockSize, HmacBlockSize);
                input.Slice(lane * EntryFormat.HashSize, EntryFormat.HashSize).CopyTo(message);
                blocks[lane] = EightLaneSha256.Pad(message, EntryFormat.HashSize, HmacBlockSize);
                macPads.Slice((lane * PadWords) + (half * 8), 8).CopyTo(states[(lane * 8)..]);
            }

            EightLaneSha256.Hash(messages, HmacBlockSize, blocks, states, macs);
        }

        CryptographicOperations.ZeroMemory(messages);
        CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(states));
    }

    /// <summary>Y_j = H(Y_{j-1} ‖ header_j ‖ C_j ‖ W_j), where C_j is the ciphertext followed by its tag.</summary>
    public void ComputeLink(ReadOnlySpan<byte> previousLink, ReadOnlySpan<byte> header, ReadOnlySpan<byte> sealedBody, ulong mask, Span<byte> link)
    {
        // One contiguous input makes one call into libcrypto instead of one per part; the inputs are public.
        var length = previousLink.Length + header.Length + sealedBody.Length + 8;
        if (_linkInput.Length < length)
        {
            _linkInput = new byte[Math.Max(length, _linkInput.Length * 2)];
        }

        var input = _linkInput.AsSpan(0, length);
        previousLink.CopyTo(input);
        header.CopyTo(input[previousLink.Length..]);
        sealedBody.CopyTo(input[(previousLink.Length + header.Length)..]);
        BinaryPrimitives.WriteUInt64BigEndian(input[^8..], mask);
        LibcryptoSha256.HashData(input, link);
    }

    /// <summary>SHA-256 padding for a message of <paramref name="length"/> bytes that fits one block already zeroed.</summary>
    private static void PadSingleBlock(Span<byte> block, int length)
    {
        block[length] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(block[56..], (ulong)length * 8);
    }

    private static void PadKey(ReadOnlySpan<byte> key, Span<byte> pad, byte fill)
    {
        pad.Fill(fill);
        for (var i = 0; i < key.Length; i++)
        {
            pad[i] ^= key[i];
        }
    }
}
