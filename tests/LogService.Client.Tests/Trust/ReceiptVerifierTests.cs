using System.Security.Cryptography;
using System.Text.Json;
using LogService.Client.Models;
using LogService.Client.Tests.Support;
using LogService.Client.Trust;

namespace LogService.Client.Tests.Trust;

public sealed class ReceiptVerifierTests : IDisposable
{
    private readonly TestReplicas _replicas = new(f: 1);
    private readonly ReplicaKeySet _keys;
    private readonly ReceiptVerifier _verifier;

    public ReceiptVerifierTests()
    {
        _keys = _replicas.KeySet();
        _verifier = new ReceiptVerifier(_keys);
    }

    [Fact]
    public void FPlusOneSignaturesOfDistinctPinnedReplicasMakeAValidReceipt()
    {
        var result = _verifier.VerifyReceipt(_replicas.Receipt(TestReplicas.Statement(), 0, 2));

        Assert.True(result.IsValid, result.Reason);
        Assert.Equal([0, 2], result.ValidSigners);
        Assert.Equal(1300, result.Statement!.LastSequence);
    }

    [Fact]
    public void AReceiptReadFromTheDocumentedJsonShapeVerifies()
    {
        var receipt = _replicas.Receipt(TestReplicas.Statement(), 1, 3);
        var json = JsonSerializer.Serialize(receipt, JsonSerializerOptions.Web);

        var parsed = JsonSerializer.Deserialize<Receipt>(json, JsonSerializerOptions.Web)!;

        Assert.Contains("\"yHead\":\"AAECAwQF", json, StringComparison.Ordinal);
        Assert.True(_verifier.VerifyReceipt(parsed).IsValid);
    }

    [Fact]
    public void OnlyFSignaturesAreNotEnough()
    {
        var result = _verifier.VerifyReceipt(_replicas.Receipt(TestReplicas.Statement(), 3));

        Assert.False(result.IsValid);
        Assert.Contains("1 valid signatures", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void OneReplicasSignatureRepeatedCountsOnce()
    {
        var statement = TestReplicas.Statement();
        var receipt = _replicas.Receipt(statement, 2) with { Signatures = [_replicas.Sign(2, statement), _replicas.Sign(2, statement)] };

        Assert.False(_verifier.VerifyReceipt(receipt).IsValid);
    }

    [Fact]
    public void AForgedSignatureDoesNotCount()
    {
        var statement = TestReplicas.Statement();
        using var intruder = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = new ReplicaSignature(1, statement.Sign(intruder));
        var flipped = _replicas.Sign(3, statement);
        flipped.Signature[10] ^= 1;

        var result = _verifier.VerifyReceipt(_replicas.Receipt(statement, 0) with { Signatures = [_replicas.Sign(0, statement), forged, flipped] });

        Assert.False(result.IsValid);
        Assert.Equal([0], result.ValidSigners);
    }

    [Fact]
    public void SignaturesNamingReplicasOutsideTheSetDoNotCount()
    {
        var statement = TestReplicas.Statement();
        var receipt = _replicas.Receipt(statement, 0);
        var stray = _replicas.Sign(1, statement) with { Replica = 9 };

        Assert.False(_verifier.VerifyReceipt(receipt with { Signatures = [.. receipt.Signatures, stray] }).IsValid);
    }

    [Fact]
    public void SignaturesFromAnotherKeySetAreRejected()
    {
        using var others = new TestReplicas(f: 1);
        using var otherKeys = others.KeySet();

        var result = new ReceiptVerifier(otherKeys).VerifyReceipt(_replicas.Receipt(TestReplicas.Statement(), 0, 1, 2, 3));

        Assert.False(result.IsValid);
        Assert.Empty(result.ValidSigners);
    }

    [Theory]
    [InlineData("yHead")]
    [InlineData("merkleRoot")]
    [InlineData("lastSequence")]
    [InlineData("instance")]
    [InlineData("streamId")]
    [InlineData("outer streamId")]
    [InlineData("outer lastSequence beyond the statement")]
    [InlineData("outer firstSequence")]
    [InlineData("count")]
    public void AStatementWhoseFieldsDifferFromTheSignedBytesIsRejected(string field)
    {
        var receipt = _replicas.Receipt(TestReplicas.Statement(), 0, 1, 2);
        var s = receipt.Statement;
        receipt = field switch
        {
            "yHead" => receipt with { Statement = s with { YHead = [.. s.YHead.Reverse()] } },
            "merkleRoot" => receipt with { Statement = s with { MerkleRoot = new byte[32] } },
            "lastSequence" => receipt with { Statement = s with { LastSequence = 9999 } },
            "instance" => receipt with { Statement = s with { Instance = 1 } },
            "streamId" => receipt with { Statement = s with { StreamId = "acme/other" } },
            "outer streamId" => receipt with { StreamId = "acme/other" },
            "outer lastSequence beyond the statement" => receipt with { LastSequence = 1301, Count = 101 },
            "outer firstSequence" => receipt with { FirstSequence = 1200 },
            _ => receipt with { Count = 99 },
        };

        var result = _verifier.VerifyReceipt(receipt);

        Assert.False(result.IsValid);
        Assert.Empty(result.ValidSigners);
    }

    [Fact]
    public void ADuplicatesReceiptMayCoverFewerEntriesThanTheStreamHasSince()
    {
        var receipt = _replicas.Receipt(TestReplicas.Statement(first: 1201, last: 1400), 0, 1) with
        {
            Outcome = "duplicate", LastSequence = 1300, Count = 100,
        };

        Assert.True(_verifier.VerifyReceipt(receipt).IsValid);
    }

    [Fact]
    public void SignedBytesThatDoNotDecodeAreRejected()
    {
        var receipt = _replicas.Receipt(TestReplicas.Statement(), 0, 1, 2);

        Assert.False(_verifier.VerifyReceipt(receipt with { StatementBytes = [.. receipt.StatementBytes, 0] }).IsValid);
    }

    [Fact]
    public void ACertifiedHeadNeedsTwoFPlusOneSignatures()
    {
        var statement = TestReplicas.Statement();

        Assert.False(_verifier.VerifyCertifiedHead(_replicas.Receipt(statement, 0, 1)).IsValid);
        Assert.True(_verifier.VerifyCertifiedHead(_replicas.Receipt(statement, 0, 1, 3)).IsValid);
    }

    public void Dispose()
    {
        _keys.Dispose();
        _replicas.Dispose();
    }
}
