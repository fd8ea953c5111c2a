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
        var layouts = new EntryLayout[chunk];
        var secrets = HasSecret ? new byte[chunk * EntryFormat.KeySize] : [];
        var secret = HasSecret ? (byte[])_initialSecret!.Clone() : [];
        long decrypted = 0;
        VerificationFinding? failure = null;
        var hasher = new ChainHasher();
        try
        {
            for (var start = 0; start < _entries.Count && failure is null; start += chunk)
            {
                var end = Math.Min(_entries.Count, start + chunk);
                var stop = end;
                VerificationFinding? structural = null;
                for (var position = start; position < end && structural is null; position++)
                {
                    structural = structure.Check(position, out layouts[position - start]);
                    if (structural is not null)
                    {
                        stop = position;
                    }
                    else if (HasSecret)
                    {
                        secret.CopyTo(secrets, (position - start) * EntryFormat.KeySize);
                        structural = AdvanceSecret(hasher, secret, layouts[position - start], position);
                        stop = structural is null ? stop : position + 1;
                    }
                }

                failure = CheckCryptography(start, stop, layouts, secrets, ref decrypted) ?? structural;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secrets);
            CryptographicOperations.ZeroMemory(secret);
        }

        failure ??= CheckEnd(structure.IsClosed);
        var verified = failure?.Position ?? _entries.Count;
        verified = Math.Min(verified, _entries.Count);
        var head = verified == 0 ? _anchor.PreviousLink : StoredLink(verified - 1).ToArray();
        var closed = verified > 0 && EntryLayout.TryParse(_entries[verified - 1].Span, out var last, out _) && last.Kind == EntryKind.Close;
        return new VerificationReport(failure, verified, decrypted, _anchor.Sequence + verified, head, closed);
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

    private VerificationFinding? CheckCryptography(int start, int stop, EntryLayout[] layouts, byte[] secrets, ref long decrypted)
    {
        if (stop <= start)
        {
            return null;
        }

        var parallelism = Math.Max(1, _options.MaxDegreeOfParallelism);
        if (parallelism == 1 || stop - start < ParallelThreshold)
        {
            using var worker = new EntryCheck(this);
            for (var position = start; position < stop; position++)
            {
                var finding = worker.Check(position, layouts[position - start], SecretAt(secrets, position - start));
                if (finding is not null)
                {
                    decrypted += worker.Decrypted;
                    return finding;
                }
            }

            decrypted += worker.Decrypted;
            return null;
        }

        VerificationFinding? lowest = null;
        var gate = new object();
        long decryptedHere = 0;
        Parallel.For(start, stop, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, () => new EntryCheck(this), (position, state, worker) =>
        {
            var finding = worker.Check(position, layouts[position - start], SecretAt(secrets, position - start));
            if (finding is not null)
            {
                lock (gate)
                {
                    if (lowest is null || finding.Position < lowest.Position)
                    {
                        lowest = finding;
                    }
                }

                // Break still runs every lower position, so the lowest failure is always found.
                state.Break();
            }

            return worker;
        }, worker =>
        {
            Interlocked.Add(ref decryptedHere, worker.Decrypted);
            worker.Dispose();
        });
        decrypted += decryptedHere;
        return lowest;
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
