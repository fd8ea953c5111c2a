using System.Security.Cryptography;
using LogService.Sealing.Crypto;
using LogService.Sealing.Tests.Support;

namespace LogService.Sealing.Tests.Crypto;

public sealed class GcmIntrinsicsTests
{
    [Fact]
    public void EncryptionMatchesThePlatformAesGcmForEveryLengthUpToFourBlocksAndBeyond()
    {
        if (!GcmIntrinsics.IsSupported)
        {
            return; // without AES-NI the platform cipher seals, and every other test covers it
        }

        var random = new DeterministicRandom(21);
        foreach (var length in Enumerable.Range(0, 70).Append(255).Append(256).Append(1000))
        {
            foreach (var aadLength in new[] { 0, 1, 16, 17, 95 })
            {
                var key = Bytes(random, 32);
                var nonce = Bytes(random, 12);
                var plaintext = Bytes(random, length);
                var aad = Bytes(random, aadLength);
                var expected = new byte[length];
                var expectedTag = new byte[16];
                using (var aes = new AesGcm(key, 16))
                {
                    aes.Encrypt(nonce, plaintext, expected, expectedTag, aad);
                }

                var ciphertext = new byte[length];
                var tag = new byte[16];
                GcmIntrinsics.Encrypt(key, nonce, plaintext, aad, ciphertext, tag);

                Assert.Equal(expected, ciphertext);
                Assert.Equal(expectedTag, tag);
                var decrypted = new byte[length];
                Assert.True(GcmIntrinsics.TryDecrypt(key, nonce, ciphertext, tag, aad, decrypted));
                Assert.Equal(plaintext, decrypted);
            }
        }
    }

    [Fact]
    public void DecryptionRefusesAnyAlteredByteAndReleasesNoPlaintext()
    {
        if (!GcmIntrinsics.IsSupported)
        {
            return; // without AES-NI the platform cipher seals, and every other test covers it
        }

        var random = new DeterministicRandom(22);
        var key = Bytes(random, 32);
        var nonce = Bytes(random, 12);
        var aad = Bytes(random, 20);
        var plaintext = Bytes(random, 40);
        var ciphertext = new byte[40];
        var tag = new byte[16];
        GcmIntrinsics.Encrypt(key, nonce, plaintext, aad, ciphertext, tag);

        foreach (var target in new[] { ciphertext, tag, aad })
        {
            target[3] ^= 0x80;
            var output = new byte[40];
            Assert.False(GcmIntrinsics.TryDecrypt(key, nonce, ciphertext, tag, aad, output));
            Assert.All(output, b => Assert.Equal(0, b));
            target[3] ^= 0x80;
        }
    }

    private static byte[] Bytes(DeterministicRandom random, int length)
    {
        var bytes = new byte[length];
        random.Fill(bytes);
        return bytes;
    }
}
