using LogService.Sealing.Tests.Support;
using LogService.Sealing.Verification;

namespace LogService.Sealing.Tests;

public sealed class KeyReleaseTests
{
    private readonly TestStream _stream = TestStream.Build();

    private ReleasedKeys Release(ulong readerMask, long first = 0, int? count = null)
    {
        var masks = _stream.Entries.Skip((int)first).Take(count ?? _stream.Entries.Count).Select(e => SealedEntry.Decode(e).Header.PermissionMask).ToArray();
        return KeyRelease.Derive(_stream.InitialSecret, first, masks, readerMask);
    }

    [Fact]
    public void AuditKeysDecryptAuditEntriesAndNoDebugEntries()
    {
        using var keys = Release(TestStream.Audit);

        foreach (var encoded in _stream.Entries)
        {
            var entry = SealedEntry.Decode(encoded);
            var plaintext = EntryDecryptor.Decrypt(entry, keys);
            var mayRead = PermissionMasks.MayRead(entry.Header.PermissionMask, TestStream.Audit);
            Assert.Equal(mayRead, keys.Covers(entry.Header.Sequence));
            Assert.Equal(mayRead, plaintext is not null);
        }
    }

    [Fact]
    public void AKeyReleasedForAMisreportedMaskDecryptsNothing()
    {
        var debugEntry = SealedEntry.Decode(_stream.Entries[2]);
        Assert.Equal(TestStream.Debug, debugEntry.Header.PermissionMask);

        using var keys = KeyRelease.Derive(_stream.InitialSecret, 2, [TestStream.Audit], TestStream.Audit);

        Assert.True(keys.Covers(2));
        Assert.Null(EntryDecryptor.Decrypt(debugEntry, keys));
    }

    [Fact]
    public void DataEntriesDecryptToTheBodiesThatWereSealed()
    {
        using var keys = Release(TestStream.Audit | TestStream.Debug);

        Assert.Equal(TestStream.Body(1), EntryDecryptor.Decrypt(SealedEntry.Decode(_stream.Entries[1]), keys));
        Assert.Equal(TestStream.Body(2), EntryDecryptor.Decrypt(SealedEntry.Decode(_stream.Entries[2]), keys));
    }

    [Fact]
    public void AReleaseForARangeCoversOnlyThatRange()
    {
        using var keys = Release(TestStream.Audit | TestStream.Debug, first: 5, count: 4);

        Assert.Equal([5L, 6, 7, 8], keys.Sequences.Order());
        Assert.Null(EntryDecryptor.Decrypt(SealedEntry.Decode(_stream.Entries[9]), keys));
        Assert.NotNull(EntryDecryptor.Decrypt(SealedEntry.Decode(_stream.Entries[8]), keys));
    }

    [Fact]
    public void VerificationWithReleasedKeysDecryptsExactlyTheCoveredEntries()
    {
        using var keys = Release(TestStream.Audit);

        var report = StreamVerifier.VerifyWithReleasedKeys(_stream.StreamId, keys, _stream.Entries);

        Assert.True(report.IsValid, report.ToString());
        Assert.Equal(keys.Count, report.EntriesDecrypted);
    }

    [Fact]
    public void VerificationWithReleasedKeysCatchesABodyThatDoesNotDecrypt()
    {
        using var keys = Release(TestStream.Audit);
        using var otherKeys = KeyRelease.Derive(TestStream.Build(seed: 5).InitialSecret, 0, _stream.Entries.Select(e => SealedEntry.Decode(e).Header.PermissionMask).ToArray(), TestStream.Audit);

        var report = StreamVerifier.VerifyWithReleasedKeys(_stream.StreamId, otherKeys, _stream.Entries);

        Assert.Equal((0, VerificationFailure.DecryptionFailed), (report.FirstFailure!.Position, report.FirstFailure.Failure));
    }

    [Fact]
    public void ReleasedKeysSurviveEncoding()
    {
        using var keys = Release(TestStream.Debug);
        using var decoded = ReleasedKeys.Decode(keys.Encode());

        Assert.Equal(keys.Sequences.Order(), decoded.Sequences.Order());
        Assert.NotNull(EntryDecryptor.Decrypt(SealedEntry.Decode(_stream.Entries[2]), decoded));
    }
}
