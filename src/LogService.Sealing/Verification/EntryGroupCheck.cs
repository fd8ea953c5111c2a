using System.Buffers.Binary;
using System.Security.Cryptography;
using LogService.Sealing.Crypto;
using LogService.Sealing.Format;

namespace LogService.Sealing.Verification;

/// <summary>
/// One worker's cryptographic checks, eight entries at a time: their links and MACs are hashed side by side
/// (<see cref="EightLaneSha256"/>), then each entry is judged in order, MAC before link before body, so the
/// first failure and the count of bodies decrypted are those of a one-at-a-time run.
/// </summary>
internal sealed class EntryGroupCheck(ChainVerification run) : IDisposable
{
    public const int GroupSize = EightLaneSha256.Lanes;

    /// <summary>Longer links go to the platform's SHA-256 one at a time: its SHA instructions win there, and lanes stay small.</summary>
    private const int MaxLaneMessage = 4096;

    private readonly ChainHasher _hasher = new();
    private readonly int[] _linkBlocks = new int[GroupSize];
    private readonly uint[] _initialStates = new uint[GroupSize * 8];
    private readonly byte[] _macLinks = new byte[GroupSize * EntryFormat.HashSize];
    private readonly byte[] _links = new byte[GroupSize * EntryFormat.HashSize];
    private readonly byte[] _macs = new byte[GroupSize * EntryFormat.HashSize];
    private byte[] _linkMessages = new byte[GroupSize * 512];
    private byte[] _plaintext = new byte[1024];

    public long Decrypted { get; private set; }

    /// <summary>Checks the entries from <paramref name="position"/> on (one per layout); null when all pass, else the first failure.</summary>
    public VerificationFinding? Check(int position, ReadOnlySpan<EntryLayout> layouts, EntryKeys keys, int keyIndex)
    {
        ComputeLinks(position, layouts);
        if (run.HasSecret)
        {
            ComputeMacs(position, layouts, keys, keyIndex);
        }

        for (var lane = 0; lane < layouts.Length; lane++)
        {
            var finding = CheckEntry(position + lane, lane, layouts[lane], run.HasSecret ? keys.Key(keyIndex + lane) : default);
            if (finding is not null)
            {
                return finding;
            }
        }

        return null;
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_plaintext);
        CryptographicOperations.ZeroMemory(_macs);
    }

    private ReadOnlySpan<byte> PreviousLink(int position) => position == 0 ? run.Anchor.PreviousLink.Span : run.StoredLink(position - 1);

    /// <summary>Y_j = H(Y_{j-1} ‖ header_j ‖ C_j ‖ W_j) for every entry of the group, over the stored Y_{j-1}.</summary>
    private void ComputeLinks(int position, ReadOnlySpan<EntryLayout> layouts)
    {
        var stride = 0;
        for (var lane = 0; lane < layouts.Length; lane++)
        {
            stride = Math.Max(stride, PaddedLength(LinkLength(layouts[lane])));
        }

        stride = Math.Min(stride, PaddedLength(MaxLaneMessage));
        if (_linkMessages.Length < stride * GroupSize)
        {
            _linkMessages = new byte[stride * GroupSize];
        }

        for (var lane = 0; lane < GroupSize; lane++)
        {
            EightLaneSha256.InitialState.CopyTo(_initialStates.AsSpan(lane * 8));
        }

        for (var lane = 0; lane < layouts.Length; lane++)
        {
            var layout = layouts[lane];
            var entry = run.Entries[position + lane].Span;
            var length = LinkLength(layout);
            if (length > MaxLaneMessage)
            {
                _linkBlocks[lane] = 0;
                _hasher.ComputeLink(PreviousLink(position + lane), layout.Header(entry), layout.SealedBody(entry), layout.PermissionMask, _links.AsSpan(lane * EntryFormat.HashSize, EntryFormat.HashSize));
                continue;
            }

            var message = _linkMessages.AsSpan(lane * stride, stride);
            PreviousLink(position + lane).CopyTo(message);
            var header = layout.Header(entry);
            header.CopyTo(message[EntryFormat.HashSize..]);
            var sealedBody = layout.SealedBody(entry);
            sealedBody.CopyTo(message[(EntryFormat.HashSize + header.Length)..]);
            BinaryPrimitives.WriteUInt64BigEndian(message[(length - 8)..], layout.PermissionMask);
            _linkBlocks[lane] = EightLaneSha256.Pad(message, length);
        }

        EightLaneSha256.Hash(_linkMessages, stride, _linkBlocks.AsSpan(0, layouts.Length), _initialStates, _links);
    }

    /// <summary>Z_j = HMAC-SHA256 over the stored Y_j, continuing from the key states the chain pass derived.</summary>
    private void ComputeMacs(int position, ReadOnlySpan<EntryLayout> layouts, EntryKeys keys, int keyIndex)
    {
        var count = layouts.Length;
        for (var lane = 0; lane < count; lane++)
        {
            layouts[lane].Link(run.Entries[position + lane].Span).CopyTo(_macLinks.AsSpan(lane * EntryFormat.HashSize));
        }

        ChainHasher.ComputeMacsFromPads(keys.MacPads(keyIndex, count), _macLinks.AsSpan(0, count * EntryFormat.HashSize), _macs);
    }

    private VerificationFinding? CheckEntry(int position, int lane, in EntryLayout layout, ReadOnlySpan<byte> key)
    {
        var entry = run.Entries[position].Span;
        var sequence = layout.Sequence;
        if (!key.IsEmpty && !CryptographicOperations.FixedTimeEquals(_macs.AsSpan(lane * EntryFormat.HashSize, EntryFormat.HashSize), layout.Mac(entry)))
        {
            return new VerificationFinding(position, sequence, VerificationFailure.MacMismatch, "MAC mismatch");
        }

        if (!_links.AsSpan(lane * EntryFormat.HashSize, EntryFormat.HashSize).SequenceEqual(layout.Link(entry)))
        {
            return new VerificationFinding(position, sequence, VerificationFailure.BrokenLink, "hash link broken (header, body or previous link altered)");
        }

        if (!key.IsEmpty)
        {
            return CheckBody(position, layout, entry, key);
        }

        return run.ReleasedKeys is not null && run.ReleasedKeys.TryGetKey(sequence, out var released)
            ? CheckBody(position, layout, entry, released)
            : null;
    }

    private VerificationFinding? CheckBody(int position, in EntryLayout layout, ReadOnlySpan<byte> entry, ReadOnlySpan<byte> key)
    {
        if (_plaintext.Length < layout.CiphertextLength)
        {
            _plaintext = new byte[layout.CiphertextLength];
        }

        var plaintext = _plaintext.AsSpan(0, layout.CiphertextLength);
        var opened = EntryCipher.TryDecrypt(key, layout.Sequence, layout.Ciphertext(entry), layout.Tag(entry), layout.Header(entry), plaintext);
        if (!opened)
        {
            return new VerificationFinding(position, layout.Sequence, VerificationFailure.DecryptionFailed, "body does not decrypt under its key");
        }

        Decrypted++;
        run.Options.RotationSecrets.TryGetValue(layout.Sequence, out var nextSecret);
        var problem = ControlBody.Check(layout.Kind, plaintext, layout.Sequence, PreviousLink(position), run.HasSecret ? nextSecret : null);
        return problem is null ? null : new VerificationFinding(position, layout.Sequence, VerificationFailure.BadControlEntry, problem);
    }

    /// <summary>Y_{j-1} ‖ header ‖ C_j ‖ W_j.</summary>
    private static int LinkLength(in EntryLayout layout) => EntryFormat.HashSize + layout.HeaderLength + layout.CiphertextLength + EntryFormat.TagSize + 8;

    private static int PaddedLength(int length) => ((length + 8) / EightLaneSha256.BlockSize + 1) * EightLaneSha256.BlockSize;
}
