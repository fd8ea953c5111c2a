using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using LogService.Sealing.Crypto;
using LogService.Sealing.Format;

namespace LogService.Sealing.Verification;

/// <summary>
/// One verification run. Entries are taken in chunks: the structural checks and the chain of secrets (with
/// each entry's key and MAC key states, which come out of the same compression as the next secret) are
/// computed in order, then each entry's MAC, link and decryption, which depend only on that entry, its keys
/// and the stored link before it, are checked in parallel. The lowest failing position wins, so the report
/// is the same as a sequential run's.
/// </summary>
internal sealed class ChainVerification
{
    private const int ChunkSize = 8192;
    private const int ParallelThreshold = 64;

    private readonly IReadOnlyList<ReadOnlyMemory<byte>> _entries;
    private readonly VerificationOptions _options;
    private readonly byte[] _streamId;
    private readonly byte[]? _initialSecret;
    private readonly ReleasedKeys? _releasedKeys;
    private readonly ChainAnchor _anchor;

    public ChainVerification(string streamId, IReadOnlyList<ReadOnlyMemory<byte>> entries, VerificationOptions options, byte[]? initialSecret, ReleasedKeys? releasedKeys)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        ArgumentNullException.ThrowIfNull(entries);
        _entries = entries;
        _options = options;
        _streamId = Encoding.UTF8.GetBytes(streamId);
        _initialSecret = initialSecret;
        _releasedKeys = releasedKeys;
        _anchor = options.Anchor ?? new ChainAnchor(0, StreamGenesis.ComputeGenesisLink(streamId));
        if (_anchor.PreviousLink.Length != EntryFormat.HashSize)
        {
            throw new ArgumentException("the anchor's link must be 32 bytes", nameof(options));
        }
    }

    internal bool HasSecret => _initialSecret is not null;

    internal IReadOnlyList<ReadOnlyMemory<byte>> Entries => _entries;

    internal VerificationOptions Options => _options;

    internal ReleasedKeys? ReleasedKeys => _releasedKeys;

    internal ChainAnchor Anchor => _anchor;

    public VerificationReport Run()
    {
        var structure = new StructureCheck(_streamId, _entries, _anchor.Sequence);
        var chunk = Math.Min(ChunkSize, Math.Max(1, _entries.Count));
        var parallelism = Math.Max(1, _options.MaxDegreeOfParallelism);

        // Two sets of buffers: while the workers check one chunk, this thread runs the structural checks and the
        // secret chain of the next, so the sequential part no longer leaves the other cores idle.
        var layouts = new[] { new EntryLayout[chunk], new EntryLayout[chunk] };
        var keys = HasSecret ? new[] { new byte[chunk * EntryFormat.KeySize], new byte[chunk * EntryFormat.KeySize] } : [[], []];
        var macPads = HasSecret ? new[] { new uint[chunk * EntryKeys.MacPadWords], new uint[chunk * EntryKeys.MacPadWords] } : [[], []];
        var secret = HasSecret ? (byte[])_initialSecret!.Clone() : [];
        long decrypted = 0;
        VerificationFinding? failure = null;
        Task<(VerificationFinding? Finding, long Decrypted)>? pending = null;
        var hasher = new ChainHasher();
        try
        {
            for (int start = 0, set = 0; start < _entries.Count && failure is null; start += chunk, set ^= 1)
            {
                var end = Math.Min(_entries.Count, start + chunk);
                var stop = end;
                VerificationFinding? structural = null;
                var chunkLayouts = layouts[set];
                var chunkKeys = new EntryKeys(keys[set], macPads[set]);
                for (var position = start; position < end && structural is null; position++)
                {
                    structural = structure.Check(position, out chunkLayouts[position - start]);
                    if (structural is not null)
                    {
                        stop = position;
                    }
                    else if (HasSecret)
                    {
                        structural = AdvanceSecret(hasher, secret, chunkLayouts[position - start], position, chunkKeys, position - start);
                        stop = structural is null ? stop : position + 1;
                    }
                }

                // Every position of the earlier chunk is lower, so its failure wins over anything found here.
                failure = Collect(ref pending, ref decrypted);
                if (failure is not null)
                {
                    break;
                }

                var (from, to) = (start, stop);
                pending = parallelism == 1
                    ? Task.FromResult(CheckCryptography(from, to, chunkLayouts, chunkKeys, parallelism))
                    : Task.Run(() => CheckCryptography(from, to, chunkLayouts, chunkKeys, parallelism));
                if (structural is not null)
                {
                    failure = Collect(ref pending, ref decrypted) ?? structural;
                }
            }

            failure ??= Collect(ref pending, ref decrypted);
        }
        finally
        {
            // The workers read the secrets, so they must be done before the buffers are wiped.
            if (pending is not null)
            {
                ((IAsyncResult)pending).AsyncWaitHandle.WaitOne();
            }

            foreach (var buffer in keys)
            {
                CryptographicOperations.ZeroMemory(buffer);
            }

            foreach (var buffer in macPads)
            {
                CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(buffer.AsSpan()));
            }

            CryptographicOperations.ZeroMemory(secret);
        }

        failure ??= CheckEnd(structure.IsClosed);
        var verified = failure?.Position ?? _entries.Count;
        verified = Math.Min(verified, _entries.Count);
        var head = verified == 0 ? _anchor.PreviousLink : StoredLink(verified - 1).ToArray();
        var closed = verified > 0 && EntryLayout.TryParse(_entries[verified - 1].Span, out var last, out _) && last.Kind == EntryKind.Close;
        return new VerificationReport(failure, verified, decrypted, _anchor.Sequence + verified, head, closed);
    }

    private static VerificationFinding? Collect(ref Task<(VerificationFinding? Finding, long Decrypted)>? pending, ref long decrypted)
    {
        if (pending is null)
        {
            return null;
        }

        var (finding, count) = pending.GetAwaiter().GetResult();
        pending = null;
        decrypted += count;
        return finding;
    }

    /// <summary>Derives entry j's key and MAC key states from A_j into <paramref name="keys"/> and advances <paramref name="secret"/> to the next entry's.</summary>
    private VerificationFinding? AdvanceSecret(ChainHasher hasher, byte[] secret, in EntryLayout layout, int position, EntryKeys keys, int index)
    {
        hasher.PrepareEntry(layout.PermissionMask, secret, keys.Key(index), keys.MacPads(index));
        if (layout.Kind != EntryKind.Rotation)
        {
            return null;
        }

        if (_options.RotationSecrets.TryGetValue(layout.Sequence, out var next) && next.Length == EntryFormat.KeySize)
        {
            next.CopyTo(secret, 0);
            return null;
        }

        return position + 1 < _entries.Count
            ? new VerificationFinding(position + 1, layout.Sequence + 1, VerificationFailure.MissingRotationSecret,
                $"sealed under the secret introduced by rotation entry {layout.Sequence}, which was not supplied")
            : null;
    }

    /// <summary>
    /// Checks [start, stop) in one contiguous partition per worker, each stopping at its own first failure. The
    /// lowest failing partition holds the lowest failure, and the decryptions counted are exactly those a
    /// sequential run makes before it.
    /// </summary>
    private (VerificationFinding? Finding, long Decrypted) CheckCryptography(int start, int stop, EntryLayout[] layouts, EntryKeys keys, int parallelism)
    {
        var count = stop - start;
        var parts = count < ParallelThreshold ? 1 : Math.Min(parallelism, count / (ParallelThreshold / 2));
        var findings = new VerificationFinding?[parts];
        var decrypted = new long[parts];
        var lowestFailure = int.MaxValue;

        void CheckPart(int part)
        {
            var from = start + (int)((long)count * part / parts);
            var to = start + (int)((long)count * (part + 1) / parts);
            using var worker = new EntryGroupCheck(this);
            for (var position = from; position < to && position < Volatile.Read(ref lowestFailure); position += EntryGroupCheck.GroupSize)
            {
                var count = Math.Min(EntryGroupCheck.GroupSize, to - position);
                var finding = worker.Check(position, layouts.AsSpan(position - start, count), keys, position - start);
                if (finding is not null)
                {
                    findings[part] = finding;
                    InterlockedMin(ref lowestFailure, finding.Position);
                    break;
                }
            }

            decrypted[part] = worker.Decrypted;
        }

        if (parts == 1)
        {
            CheckPart(0);
        }
        else
        {
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, CheckPart);
        }

        long total = 0;
        for (var part = 0; part < parts; part++)
        {
            total += decrypted[part];
            if (findings[part] is not null)
            {
                return (findings[part], total);
            }
        }

        return (null, total);
    }

    private static void InterlockedMin(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private VerificationFinding? CheckEnd(bool isClosed)
    {
        var count = _entries.Count;
        var next = _anchor.Sequence + count;
        if (_options.KnownHead is { } known)
        {
            if (next < known.Count)
            {
                return new VerificationFinding(count, next, VerificationFailure.Truncated,
                    $"tail cut off: the stream ends here but {known.Count} entries are known to exist");
            }

            var position = known.Count - 1 - _anchor.Sequence;
            if (position >= 0 && !StoredLink((int)position).SequenceEqual(known.Head.Span))
            {
                return new VerificationFinding((int)position, known.Count - 1, VerificationFailure.HeadMismatch, "link differs from the known head");
            }
        }

        return _options.RequireClosed && !isClosed
            ? new VerificationFinding(count, next, VerificationFailure.Truncated, "tail cut off: the stream ends without its close entry")
            : null;
    }

    /// <summary>The stored Y of an entry that already passed the structural checks (links sit at a fixed distance from the end).</summary>
    internal ReadOnlySpan<byte> StoredLink(int position)
    {
        var entry = _entries[position].Span;
        return entry.Slice(entry.Length - (2 * EntryFormat.HashSize), EntryFormat.HashSize);
    }
}
