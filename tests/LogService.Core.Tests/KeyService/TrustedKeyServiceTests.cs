using System.Security.Cryptography;
using LogService.Core.Commands;
using LogService.Core.Entries;
using LogService.Core.KeyService;
using LogService.Core.Replica;
using LogService.Core.Tests.Replica;
using LogService.Sealing;
using LogService.Sealing.Escrow;
using LogService.Storage;

namespace LogService.Core.Tests.KeyService;

public sealed class TrustedKeyServiceTests : IDisposable
{
    private const ulong App = 1;
    private const ulong Security = 4;
    private static readonly WriterIdentity Writer = new("acme", "cloud-a", "web-1", "svc-orders");
    private readonly ReplicaGroup _group = new();
    private readonly string _vault = Directory.CreateTempSubdirectory("key-service-").FullName;
    private readonly ReplicaIdentity _trusted = ReplicaIdentity.CreateEphemeral(0);
    private readonly TrustedKeyService _keys;

    public TrustedKeyServiceTests() => _keys = new TrustedKeyService(_vault, _trusted, SystemRandomSource.Instance);

    [Fact]
    public void AReaderGetsKeysForExactlyTheEntriesItsMaskCovers()
    {
        CreateStream("acme/orders");
        _group.Decide(Append("acme/orders", "b1", App, 3), Append("acme/orders", "b2", Security, 2));
        var stored = _group.Store(1).ReadRange("acme/orders", 0, long.MaxValue).Entries;
        var masks = stored.Select(e => e.PermissionMask).ToArray();

        using var released = _keys.ReleaseKeys("acme/orders", 0, masks, App);

        foreach (var entry in stored)
        {
            var body = EntryDecryptor.Decrypt(SealedEntry.Decode(entry.SealedEntry), released);
            var permitted = (entry.PermissionMask & App) != 0;
            Assert.Equal(permitted, released.Covers(entry.Sequence));
            Assert.Equal(permitted, body is not null);
        }

        Assert.Equal(4, released.Count); // the open entry (every reader) and the three app entries
    }

    [Fact]
    public void AReaderWhoseMaskSharesNoBitGetsNoKeyAtAll()
    {
        using var released = _keys.ReleaseKeys(CreateStream("acme/orders"), 0, [Security, Security, App | 8], readerMask: App | 2);

        Assert.Equal([2L], released.Sequences);
    }

    [Fact]
    public void KeysFromTheLadderEqualKeysDerivedFromTheInitialSecretAcrossRungs()
    {
        var streamId = CreateStream("acme/orders");
        using var initial = new Secret(Recombine(streamId));
        var spacing = TrustedKeyService.LadderSpacing;
        var masks = Enumerable.Range(0, 40).Select(i => (ulong)(i % 3 == 0 ? Security : App)).ToArray();

        foreach (var first in new long[] { 0, spacing - 20, spacing, (3L * spacing) + 7 })
        {
            using var fromLadder = _keys.ReleaseKeys(streamId, first, masks, App);
            using var fromStart = KeyRelease.Derive(initial.Bytes, first, masks, App);

            Assert.Equal(fromStart.Encode(), fromLadder.Encode());
        }
    }

    [Fact]
    public void ScatteredEntriesGetTheSameKeysAsAContiguousRelease()
    {
        var streamId = CreateStream("acme/orders");
        var spacing = TrustedKeyService.LadderSpacing;
        var masks = Enumerable.Range(0, (2 * spacing) + 10).Select(i => (ulong)(i % 5 == 0 ? Security : App)).ToArray();
        long[] wanted = [3, 5, spacing - 1, spacing, spacing + 9, (2L * spacing) + 9];

        using var scattered = _keys.ReleaseKeys(streamId, wanted.Select(s => (s, masks[s])).ToArray(), App);
        using var contiguous = _keys.ReleaseKeys(streamId, 0, masks, App);

        Assert.Equal(wanted.Where(s => masks[s] == App).Order(), scattered.Sequences.Order());
        var all = KeysBySequence(contiguous.Encode());
        foreach (var (sequence, key) in KeysBySequence(scattered.Encode()))
        {
            Assert.Equal(all[sequence], key);
        }
    }

    [Fact]
    public void TheStoreHoldsNoPlaintextSecretAndSurvivesARestart()
    {
        var streamId = CreateStream("acme/orders");
        var secret = Recombine(streamId);
        using var before = _keys.ReleaseKeys(streamId, 5, [App, App], App);

        foreach (var file in Directory.EnumerateFiles(_vault, "*", SearchOption.AllDirectories))
        {
            Assert.False(Contains(File.ReadAllBytes(file), secret), $"{Path.GetFileName(file)} holds A_0 in the clear");
        }

        using var restarted = new TrustedKeyService(_vault, _trusted, SystemRandomSource.Instance);
        using var after = restarted.ReleaseKeys(streamId, 5, [App, App], App);
        Assert.Equal(before.Encode(), after.Encode());
    }

    [Fact]
    public void AnotherReplicasAtRestKeyCannotOpenTheStore()
    {
        var streamId = CreateStream("acme/orders");
        using var stranger = ReplicaIdentity.CreateEphemeral(0);
        using var other = new TrustedKeyService(_vault, stranger, SystemRandomSource.Instance);

        Assert.ThrowsAny<CryptographicException>(() => other.ReleaseKeys(streamId, 0, [App], App));
    }

    [Fact]
    public void AStoredSecretRenamedToAnotherStreamDoesNotOpen()
    {
        var streamId = CreateStream("acme/orders");
        var file = Directory.EnumerateFiles(_vault).Single();
        File.Copy(file, Path.Combine(_vault, "acme~billing.a0"));

        Assert.True(_keys.HoldsSecretOf("acme/billing"));
        Assert.ThrowsAny<CryptographicException>(() => _keys.ReleaseKeys("acme/billing", 0, [App], App));
        Assert.Equal(1, _keys.ReleaseKeys(streamId, 0, [App], App).Count);
    }

    [Fact]
    public void PreparingAStreamTwiceWrapsTheSameSecretAndNeverReplacesIt()
    {
        var first = _keys.PrepareStream("acme", "orders", RetentionPolicy.KeepAll, _group.PublicKeys);
        var second = _keys.PrepareStream("acme", "orders", RetentionPolicy.KeepAll, _group.PublicKeys);

        Assert.NotEqual(first.SecretEnvelopes[2], second.SecretEnvelopes[2]);
        Assert.Equal(Open(first, 2), Open(second, 2));
    }

    [Fact]
    public void ReleasedKeysRevealNoSecretOfTheChainAndNoOtherKey()
    {
        var streamId = CreateStream("acme/orders");
        var masks = Enumerable.Range(0, 64).Select(i => (ulong)(i % 2 == 0 ? App : Security)).ToArray();
        var chain = SecretsOf(Recombine(streamId), masks.Length + 1);
        using var app = _keys.ReleaseKeys(streamId, 0, masks, App);
        using var security = _keys.ReleaseKeys(streamId, 0, masks, Security);
        var released = app.Encode();

        Assert.All(chain, secret => Assert.False(Contains(released, secret), "a released key set contains an A_j"));
        foreach (var sequence in security.Sequences)
        {
            Assert.False(app.Covers(sequence));
        }

        // Neither evolving nor re-deriving a released key gives the next entry's key.
        var keys = Keys(released);
        var evolved = (byte[])keys[0].Clone();
        SecretLadder.Evolve(evolved);
        Assert.DoesNotContain(keys, k => k.AsSpan().SequenceEqual(evolved));
    }

    [Fact]
    public void EscrowSharesRebuildTheSecretOnlyFromThreshold()
    {
        var streamId = CreateStream("acme/orders");
        var shares = _keys.Escrow(streamId, 3, 5).Select(s => ShamirShare.Decode(s.Encode())).ToList();

        var secret = ShamirSecretSharing.Combine([shares[4], shares[0], shares[2]]);
        using var rebuilt = KeyRelease.Derive(secret, 0, [App], App);
        using var released = _keys.ReleaseKeys(streamId, 0, [App], App);

        Assert.Equal(released.Encode(), rebuilt.Encode());
        Assert.Throws<ShareIntegrityException>(() => ShamirSecretSharing.Combine([shares[0], shares[1]]));
    }

    [Fact]
    public void AStreamWithoutAStoredSecretIsReportedNotInvented()
    {
        Assert.Throws<KeyNotFoundException>(() => _keys.ReleaseKeys("acme/unknown", 0, [App], App));
        Assert.Throws<KeyNotFoundException>(() => _keys.Escrow("acme/unknown", 2, 3));
    }

    public void Dispose()
    {
        _keys.Dispose();
        _trusted.Dispose();
        _group.Dispose();
        Directory.Delete(_vault, recursive: true);
    }

    private string CreateStream(string streamId)
    {
        var tenant = StreamIds.TenantOf(streamId);
        var command = _keys.PrepareStream(tenant, streamId[(tenant.Length + 1)..], RetentionPolicy.KeepAll, _group.PublicKeys);
        _group.Decide(command);
        return streamId;
    }

    private byte[] Recombine(string streamId) => ShamirSecretSharing.Combine(_keys.Escrow(streamId, 1, 1));

    private byte[] Open(CreateStreamCommand command, int replica)
    {
        var secret = new byte[StreamGenesis.SecretSize];
        Assert.True(StreamSecretEnvelope.TryOpen(command.SecretEnvelopes[replica], _group.Identities[replica].KeyAgreementKey, command.StreamId, replica, secret));
        return secret;
    }

    private static List<byte[]> SecretsOf(byte[] initial, int count)
    {
        var secrets = new List<byte[]>();
        var current = (byte[])initial.Clone();
        for (var i = 0; i < count; i++)
        {
            secrets.Add((byte[])current.Clone());
            SecretLadder.Evolve(current);
        }

        return secrets;
    }

    private static List<byte[]> Keys(byte[] encodedRelease)
    {
        var keys = new List<byte[]>();
        for (var at = 5 + 8; at < encodedRelease.Length; at += 8 + 32)
        {
            keys.Add(encodedRelease.AsSpan(at, 32).ToArray());
        }

        return keys;
    }

    private static Dictionary<long, string> KeysBySequence(byte[] encodedRelease)
    {
        var keys = new Dictionary<long, string>();
        for (var at = 5; at < encodedRelease.Length; at += 8 + 32)
        {
            keys.Add(System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(encodedRelease.AsSpan(at)), Convert.ToHexString(encodedRelease, at + 8, 32));
        }

        return keys;
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    private static AppendEntriesCommand Append(string streamId, string batchId, ulong mask, int count) =>
        new(streamId, Writer, batchId, mask, [.. Enumerable.Range(0, count).Select(i => EntryCodec.EncodeDraft(new EntryDraft
        {
            Body = new EntryBody { TimestampUnixMicros = i, MessageTemplate = $"{batchId} entry {i}" },
        }))]);

    private sealed class Secret(byte[] bytes) : IDisposable
    {
        public byte[] Bytes { get; } = bytes;

        public void Dispose() => CryptographicOperations.ZeroMemory(Bytes);
    }
}
