using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace LogService.Sealing.Tests.Format;

/// <summary>Recomputes the test vectors in docs/sealing-format.md, with the platform's primitives where possible.</summary>
public sealed partial class SealingFormatDocumentTests
{
    private const string StreamId = "tenant-a/app";
    private static readonly byte[] InitialSecret = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
    private readonly Dictionary<string, byte[]> _vectors = ReadVectors();

    [Fact]
    public void TheDocumentedEntriesAreWhatTheSealerProduces()
    {
        using var sealer = StreamSealer.Create(StreamId, InitialSecret);
        var open = sealer.SealOpen(new EntryMetadata(1_700_000_000_000_000, 2, "tenant-a", "cloud-1", "node-7", "svc", "StreamOpened", 0));
        var data = sealer.SealData(new EntryMetadata(1_700_000_000_000_001, 3, "tenant-a", "cloud-1", "node-7", "svc", "OrderPlaced", 1), "hello, sealed world"u8);

        Assert.Equal(Convert.ToHexStringLower(_vectors["entry_0"]), Convert.ToHexStringLower(open.Encoded.Span));
        Assert.Equal(Convert.ToHexStringLower(_vectors["entry_1"]), Convert.ToHexStringLower(data.Encoded.Span));
    }

    [Fact]
    public void TheDocumentedChainValuesFollowFromTheFormulasWithPlatformPrimitives()
    {
        var genesisInput = "genesis"u8.ToArray().Concat(new byte[] { 0, (byte)StreamId.Length }).Concat(Encoding.UTF8.GetBytes(StreamId)).Concat(new byte[] { 1, 1 }).ToArray();
        Assert.Equal(_vectors["G"], SHA256.HashData(genesisInput));
        var open = _vectors["entry_0"];
        // The open entry's link covers G, its header, its 2-byte ciphertext with the 16-byte tag, and W = all ones.
        var openLink = SHA256.HashData(_vectors["G"].Concat(open[..^(32 + 32 + 16 + 2 + 4)]).Concat(open.AsSpan(open.Length - 82, 18).ToArray()).Concat(Enumerable.Repeat((byte)0xff, 8)).ToArray());
        Assert.Equal(_vectors["Y_0"], openLink);

        var a1 = SHA256.HashData("evolve"u8.ToArray().Concat(InitialSecret).ToArray());
        Assert.Equal(_vectors["A_1"], a1);
        var k1 = SHA256.HashData("encrypt"u8.ToArray().Concat(new byte[] { 0, 0, 0, 0, 0, 0, 0, 1 }).Concat(a1).ToArray());
        Assert.Equal(_vectors["K_1"], k1);

        var entry = _vectors["entry_1"];
        var ciphertextAt = entry.Length - 32 - 32 - 16 - 19; // before the tag, link and MAC
        Assert.Equal(19u, BinaryPrimitives.ReadUInt32BigEndian(entry.AsSpan(ciphertextAt - 4)));
        var header = entry[..(ciphertextAt - 4)];
        var sealedBody = entry.AsSpan(ciphertextAt, 19 + 16).ToArray();
        var y1 = SHA256.HashData(_vectors["Y_0"].Concat(header).Concat(sealedBody).Concat(new byte[] { 0, 0, 0, 0, 0, 0, 0, 1 }).ToArray());
        Assert.Equal(_vectors["Y_1"], y1);
        Assert.Equal(_vectors["Z_1"], HMACSHA256.HashData(a1, y1));
        Assert.Equal(y1, entry.AsSpan(entry.Length - 64, 32).ToArray());
        Assert.Equal(_vectors["Z_1"], entry.AsSpan(entry.Length - 32).ToArray());

        using var aes = new AesGcm(k1, 16);
        var plaintext = new byte[19];
        aes.Decrypt(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, sealedBody.AsSpan(0, 19), sealedBody.AsSpan(19), plaintext, header);
        Assert.Equal("hello, sealed world", Encoding.UTF8.GetString(plaintext));
    }

    private static Dictionary<string, byte[]> ReadVectors()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "sealing-format.md"));
        var vectors = VectorLine().Matches(text).ToDictionary(m => m.Groups[1].Value, m => Convert.FromHexString(m.Groups[2].Value));
        Assert.Equal(8, vectors.Count);
        return vectors;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LogService.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("LogService.sln not found above the test binaries");
    }

    [GeneratedRegex(@"^(\w+) = ([0-9a-f]+)$", RegexOptions.Multiline)]
    private static partial Regex VectorLine();
}
