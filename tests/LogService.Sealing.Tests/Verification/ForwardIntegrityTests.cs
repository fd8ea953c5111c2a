using System.Buffers.Binary;
using System.Security.Cryptography;
using LogService.Sealing.Crypto;
using LogService.Sealing.Format;
using LogService.Sealing.Tests.Support;
using LogService.Sealing.Verification;

namespace LogService.Sealing.Tests.Verification;

/// <summary>An attacker takes the sealer at time t: A_t, Y_{t-1} and every stored entry.</summary>
public sealed class ForwardIntegrityTests
{
    private const int CompromiseAt = 25;
    private readonly TestStream _stream = TestStream.Build(dataEntries: 40, close: false);

    [Fact]
    public void RewritingAnEntryBeforeTheCompromiseFailsVerificationAtThatEntry()
    {
        const int victim = 17;
        var entries = _stream.Copy();
        var forged = entries[victim].ToArray();
        forged[18] = 5; // raise the level to Fatal

        entries[victim] = forged;
        RelinkFrom(entries, victim);

        var finding = StreamVerifier.VerifyFull(_stream.StreamId, _stream.InitialSecret, entries).FirstFailure;

        Assert.Equal((victim, VerificationFailure.MacMismatch), (finding!.Position, finding.Failure));
    }

    [Fact]
    public void DeletingAnEntryBeforeTheCompromiseAndRenumberingFailsVerification()
    {
        const int victim = 12;
        var entries = _stream.Copy();
        entries.RemoveAt(victim);
        for (var position = victim; position < entries.Count; position++)
        {
            var bytes = entries[position].ToArray();
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(2), position);
            entries[position] = bytes;
        }

        RelinkFrom(entries, victim);

        var finding = StreamVerifier.VerifyFull(_stream.StreamId, _stream.InitialSecret, entries).FirstFailure;

        Assert.Equal((victim, VerificationFailure.MacMismatch), (finding!.Position, finding.Failure));
    }

    [Fact]
    public void ARelinkedChainFoolsLinkChecksAloneButNotAKnownHead()
    {
        var head = _stream.Head;
        var entries = _stream.Copy();
        var forged = entries[10].ToArray();
        forged[18] = 0;
        entries[10] = forged;
        RelinkFrom(entries, 10);

        Assert.True(StreamVerifier.VerifyLinks(_stream.StreamId, entries).IsValid);
        var finding = StreamVerifier.VerifyLinks(_stream.StreamId, entries, new VerificationOptions { KnownHead = new KnownHead(_stream.Entries.Count, head) }).FirstFailure;
        Assert.Equal(VerificationFailure.HeadMismatch, finding!.Failure);
    }

    /// <summary>
    /// Recomputes every link from <paramref name="from"/> on (anyone can), and every MAC the attacker can:
    /// those of entries at or after the compromise, from the captured A_t.
    /// </summary>
    private void RelinkFrom(List<ReadOnlyMemory<byte>> entries, int from)
    {
        var hasher = new ChainHasher();
        var captured = CapturedSecretAt(CompromiseAt);
        var previous = SealedEntry.Decode(entries[from - 1]).Link.ToArray();
        for (var position = from; position < entries.Count; position++)
        {
            var bytes = entries[position].ToArray();
            Assert.True(EntryLayout.TryParse(bytes, out var layout, out _));
            var link = bytes.AsSpan(layout.LinkOffset, EntryFormat.HashSize);
            hasher.ComputeLink(previous, layout.Header(bytes), layout.SealedBody(bytes), layout.PermissionMask, link);
            if (position >= CompromiseAt)
            {
                var secret = (byte[])captured.Clone();
                for (var j = CompromiseAt; j < position; j++)
                {
                    hasher.Evolve(secret);
                }

                HMACSHA256.HashData(secret, link, bytes.AsSpan(layout.MacOffset, EntryFormat.HashSize));
            }

            previous = link.ToArray();
            entries[position] = bytes;
        }
    }

    private byte[] CapturedSecretAt(int position)
    {
        var hasher = new ChainHasher();
        var secret = (byte[])_stream.InitialSecret.Clone();
        for (var j = 0; j < position; j++)
        {
            hasher.Evolve(secret);
        }

        return secret;
    }
}
