using LogService.Sealing.Escrow;
using LogService.Sealing.Tests.Support;

namespace LogService.Sealing.Tests.Escrow;

public sealed class ShamirSecretSharingTests
{
    private readonly byte[] _secret = StreamGenesis.GenerateInitialSecret(new DeterministicRandom(7));

    private IReadOnlyList<ShamirShare> Split(int k = 3, int m = 5) => ShamirSecretSharing.Split(_secret, k, m, new DeterministicRandom(8));

    [Fact]
    public void AnyThresholdOfSharesRebuildsTheSecret()
    {
        var shares = Split();

        for (var a = 0; a < 5; a++)
        {
            for (var b = a + 1; b < 5; b++)
            {
                for (var c = b + 1; c < 5; c++)
                {
                    Assert.Equal(_secret, ShamirSecretSharing.Combine([shares[a], shares[b], shares[c]]));
                }
            }
        }
    }

    [Fact]
    public void OneShareTooFewIsRefused()
    {
        var shares = Split();

        Assert.Throws<ShareIntegrityException>(() => ShamirSecretSharing.Combine([shares[0], shares[3]]));
        Assert.NotEqual(_secret, ShamirSecretSharing.Interpolate([shares[0], shares[3]]));
    }

    [Fact]
    public void ADamagedShareIsNamed()
    {
        var shares = Split();
        var encoded = shares[1].Encode();
        encoded[6] ^= 0x40;

        var error = Assert.Throws<ShareIntegrityException>(() => ShamirSecretSharing.Combine([shares[0], ShamirShare.Decode(encoded), shares[2]]));

        Assert.Contains("share 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AForgedShareWithAValidDigestIsDetectedNotCombined()
    {
        var shares = Split();
        var value = shares[1].Value.ToArray();
        value[0] ^= 0x01;
        var forged = new ShamirShare((byte)shares[1].Threshold, (byte)shares[1].Index, value, shares[1].Commitment.ToArray());

        Assert.True(forged.IsIntact);
        Assert.Throws<ShareIntegrityException>(() => ShamirSecretSharing.Combine([shares[0], forged, shares[2]]));
        Assert.Equal(_secret, ShamirSecretSharing.Combine([shares[0], forged, shares[2], shares[3]]));
    }

    [Fact]
    public void SharesSurviveEncoding()
    {
        var shares = Split(2, 3).Select(s => ShamirShare.Decode(s.Encode())).ToList();

        Assert.Equal(_secret, ShamirSecretSharing.Combine(shares));
    }

    [Fact]
    public void OneOfOneIsTheSecretItself()
    {
        Assert.Equal(_secret, ShamirSecretSharing.Combine(Split(1, 1)));
    }
}
