using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using LogService.Sealing.Crypto;
using LogService.Sealing.Format;

namespace LogService.Sealing.Verification;

/// <summary>
/// One verification run. Entries are taken in chunks: the structural checks and the chain of secrets are
/// computed in order, then each entry's MAC, link and decryption, which depend only on that entry, the
/// secret for its position and the stored link before it, are checked in parallel. The lowest failing
/// position wins, so the report is the same as a sequential run's.
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

    private bool HasSecret => _initialSecret is not null;

    public VerificationReport Run()
    {
        var structure = new StructureCheck(_streamId, _entries, _anchor.Sequence);
        var chunk = Math.Min(ChunkSize, Math.Max(1, _entries.Count));
        var parallelism = Math.Max(1, _options.MaxDegreeOfParallelism);

        // Two sets of buffers: while the workers check one chunk, this thread runs the structural checks and the
        // secret chain of the next, so the sequential part no longer leaves the other cores idle.
        var layouts = new[] { new EntryLayout[chunk], new EntryLayout[chunk] };
        var secrets = HasSecret ? new[] { new byte[chunk * EntryFormat.KeySize], new byte[chunk * EntryFormat.KeySize] } : [[], []];
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
                var chunkSecrets = secrets[set];
                for (var position = start; position < end && structural is null; position++)
                {
                    structural = structure.Check(position, out chunkLayouts[position - start]);
                    if (structural is not null)
                    {
                        stop = position;
                    }
                    else if (HasSecret)
                    {
                        secret.CopyTo(chunkSecrets, (position - start) * EntryFormat.KeySize);
                        structural = AdvanceSecret(hasher, secret, chunkLayouts[position - start], position);
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
                    ? Task.FromResult(CheckCryptography(from, to, chunkLayouts, chunkSecrets, parallelism))
                    : Task.Run(() => CheckCryptography(from, to, chunkLayouts, chunkSecrets, parallelism));
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

            foreach (var buffer in secrets)
            {
                CryptographicOperations.ZeroMemory(buffer);
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

    private VerificationFinding? AdvanceSecret(ChainHasher hasher, byte[] secret, in EntryLayout layout, int position)
    {
        if (layout.Kind != EntryKind.Rotation)
        {
            hasher.Evolve(secret);
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
    private (VerificationFinding? Finding, long Decrypted) CheckCryptography(int start, int stop, EntryLayout[] layouts, byte[] secrets, int parallelism)
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
            using var worker = new EntryCheck(this);
            for (var position = from; position < to && position < Volatile.Read(ref lowestFailure); position++)
            {
                var finding = worker.Check(position, layouts[position - start], SecretAt(secrets, position - start));
                if (finding is not null)
                {
                    findings[part] = finding;
                    InterlockedMin(ref lowestFailure, position);
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

    private ReadOnlySpan<byte> SecretAt(byte[] secrets, int index) =>
        HasSecret ? secrets.AsSpan(index * EntryFormat.KeySize, EntryFormat.KeySize) : default;

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
    private ReadOnlySpan<byte> StoredLink(int position)
    {
        var entry = _entries[position].Span;
        return entry.Slice(entry.Length - (2 * EntryFormat.HashSize), EntryFormat.HashSize);
    }

    /// <summary>Per-thread cryptographic checks of single entries.</summary>
    private sealed class EntryCheck(ChainVerification run) : IDisposable
    {
        private readonly ChainHasher _hasher = new();
        private byte[] _plaintext = new byte[1024];

        public long Decrypted { get; private set; }

        public VerificationFinding? Check(int position, in EntryLayout layout, ReadOnlySpan<byte> secret)
        {
            var entry = run._entries[position].Span;
            var sequence = layout.Sequence;
            Span<byte> computed = stackalloc byte[EntryFormat.HashSize];
            Span<byte> key = stackalloc byte[EntryFormat.KeySize];
            try
            {
                if (run.HasSecret)
                {
                    Span<byte> nextSecret = stackalloc byte[EntryFormat.KeySize];
                    Span<uint> macPads = stackalloc uint[16];
                    secret.CopyTo(nextSecret);
                    _hasher.PrepareEntry(layout.PermissionMask, nextSecret, key, macPads);
                    _hasher.ComputeMacFromPads(macPads, layout.Link(entry), computed);
                    CryptographicOperations.ZeroMemory(nextSecret);
                    CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(macPads));
                    if (!CryptographicOperations.FixedTimeEquals(computed, layout.Mac(entry)))
                    {
                        return new VerificationFinding(position, sequence, VerificationFailure.MacMismatch, "MAC mismatch");
                    }
                }
                else if (run._releasedKeys is null || !run._releasedKeys.TryGetKey(sequence, out var released))
                {
                    key = default;
                }
                else
                {
                    released.CopyTo(key);
                }

                var previous = position == 0 ? run._anchor.PreviousLink.Span : run.StoredLink(position - 1);
                _hasher.ComputeLink(previous, layout.Header(entry), layout.SealedBody(entry), layout.PermissionMask, computed);
                if (!computed.SequenceEqual(layout.Link(entry)))
                {
                    return new VerificationFinding(position, sequence, VerificationFailure.BrokenLink, "hash link broken (header, body or previous link altered)");
                }

                return key.IsEmpty ? null : CheckBody(position, layout, entry, key, previous);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }

        public void Dispose()
        {
            CryptographicOperations.ZeroMemory(_plaintext);
            }

        private VerificationFinding? CheckBody(int position, in EntryLayout layout, ReadOnlySpan<byte> entry, ReadOnlySpan<byte> key, ReadOnlySpan<byte> previous)
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
            run._options.RotationSecrets.TryGetValue(layout.Sequence, out var nextSecret);
            var problem = ControlBody.Check(layout.Kind, plaintext, layout.Sequence, previous, run.HasSecret ? nextSecret : null);
            return problem is null ? null : new VerificationFinding(position, layout.Sequence, VerificationFailure.BadControlEntry, problem);
        }
    }
}
