using LogService.Sealing.Merkle;

namespace LogService.Sealing.Tests.Merkle;

/// <summary>Checked against the RFC 6962 example tree used by Certificate Transparency implementations.</summary>
public sealed class MerkleTreeTests
{
    private static readonly byte[][] ReferenceLeaves =
        new[] { "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f" }
            .Select(Convert.FromHexString).ToArray();

    private static readonly string[] ReferenceRoots =
    [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    public static TheoryData<long, long, string[]> ReferenceInclusionPaths => new()
    {
        { 0, 1, [] },
        { 0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"] },
        { 1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
    };

    public static TheoryData<long, long, string[]> ReferenceConsistencyPaths => new()
    {
        { 1, 1, [] },
        { 1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 2, 8, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"] },
    };

    private static MerkleTree ReferenceTree()
    {
        var tree = new MerkleTree();
        foreach (var leaf in ReferenceLeaves)
        {
            tree.Append(leaf);
        }

        return tree;
    }

    [Fact]
    public void RootsMatchTheReferenceTreeAtEverySize()
    {
        var tree = ReferenceTree();

        for (var size = 0; size <= ReferenceLeaves.Length; size++)
        {
            Assert.Equal(ReferenceRoots[size], Convert.ToHexStringLower(tree.Root(size)));
        }
    }

    [Fact]
    public void TheAccumulatorAgreesWithTheReferenceRootsAndSurvivesSerialization()
    {
        var accumulator = new MerkleAccumulator();
        Assert.Equal(ReferenceRoots[0], Convert.ToHexStringLower(accumulator.Root()));
        for (var size = 1; size <= ReferenceLeaves.Length; size++)
        {
            accumulator = MerkleAccumulator.Deserialize(accumulator.Serialize());
            accumulator.Append(ReferenceLeaves[size - 1]);
            Assert.Equal(ReferenceRoots[size], Convert.ToHexStringLower(accumulator.Root()));
        }
    }

    [Fact]
    public void AppendingManyLeavesAtOnceGivesTheSameStateAsAppendingThemOneByOne()
    {
        // Varied leaf lengths (empty, one block, several blocks, over 1 KiB) and every alignment of the existing size
        // against the run's length, so each level's odd node and borrowed peak are exercised.
        var random = new Random(11);
        foreach (var existing in new[] { 0, 1, 2, 3, 5, 7, 8, 13, 64, 255, 1000 })
        {
            foreach (var run in new[] { 1, 2, 3, 7, 8, 9, 16, 17, 63, 100, 1000 })
            {
                var leaves = Enumerable.Range(0, existing + run).Select(i => RandomLeaf(random, i)).ToArray();
                var oneByOne = new MerkleAccumulator();
                var batched = new MerkleAccumulator();
                for (var i = 0; i < existing; i++)
                {
                    oneByOne.Append(leaves[i]);
                    batched.Append(leaves[i]);
                }

                foreach (var leaf in leaves[existing..])
                {
                    oneByOne.Append(leaf);
                }

                batched.AppendLeaves(leaves[existing..]);
                Assert.Equal(oneByOne.Size, batched.Size);
                Assert.Equal(Convert.ToHexString(oneByOne.Serialize()), Convert.ToHexString(batched.Serialize()));
                Assert.Equal(Convert.ToHexString(oneByOne.Root()), Convert.ToHexString(batched.Root()));
            }
        }
    }

    [Fact]
    public void LeavesHashedInLanesEqualLeavesHashedOneByOne()
    {
        var random = new Random(45);
        var leaves = Enumerable.Range(0, 21).Select(i => { var leaf = new byte[i * 37]; random.NextBytes(leaf); return leaf; }).ToArray();
        var inLanes = new byte[leaves.Length * 32];

        MerkleLanes.HashLeaves(leaves, inLanes);

        Assert.Equal(leaves.SelectMany(leaf => System.Security.Cryptography.SHA256.HashData([0x00, .. leaf])).ToArray(), inLanes);
        Assert.Equal(leaves.SelectMany(leaf => MerkleHash.HashLeaf(leaf)).ToArray(), inLanes);
    }

    [Fact]
    public void ABatchOfReferenceLeavesGivesTheReferenceRoot()
    {
        var accumulator = new MerkleAccumulator();
        accumulator.AppendLeaves(ReferenceLeaves);
        Assert.Equal(ReferenceRoots[^1], Convert.ToHexString(accumulator.Root()).ToLowerInvariant());
    }

    [Theory]
    [MemberData(nameof(ReferenceInclusionPaths))]
    public void InclusionPathsMatchTheReferenceAndVerify(long index, long size, string[] expected)
    {
        var tree = ReferenceTree();

        var proof = tree.InclusionProof(index, size);

        Assert.Equal(expected, proof.Select(Convert.ToHexStringLower));
        Assert.True(MerkleProof.VerifyInclusion(tree.LeafHash(index), index, size, proof, Convert.FromHexString(ReferenceRoots[size])));
    }

    [Theory]
    [MemberData(nameof(ReferenceConsistencyPaths))]
    public void ConsistencyPathsMatchTheReferenceAndVerify(long oldSize, long newSize, string[] expected)
    {
        var tree = ReferenceTree();

        var proof = tree.ConsistencyProof(oldSize, newSize);

        Assert.Equal(expected, proof.Select(Convert.ToHexStringLower));
        Assert.True(MerkleProof.VerifyConsistency(oldSize, newSize, Convert.FromHexString(ReferenceRoots[oldSize]), Convert.FromHexString(ReferenceRoots[newSize]), proof));
    }

    [Fact]
    public void EveryProofInTreesUpToFortyLeavesVerifiesAndAnyAlteredOneFails()
    {
        var tree = new MerkleTree();
        var accumulator = new MerkleAccumulator();
        for (var i = 0; i < 40; i++)
        {
            tree.Append([(byte)i, (byte)(i * 7)]);
            accumulator.Append([(byte)i, (byte)(i * 7)]);
            Assert.Equal(tree.Root(i + 1), accumulator.Root());
        }

        for (var size = 1; size <= 40; size++)
        {
            var root = tree.Root(size);
            for (var index = 0; index < size; index++)
            {
                var proof = tree.InclusionProof(index, size);
                Assert.True(MerkleProof.VerifyInclusion(tree.LeafHash(index), index, size, proof, root));
                if (proof.Count > 0)
                {
                    Assert.False(MerkleProof.VerifyInclusion(tree.LeafHash((index + 1) % size), index, size, proof, root));
                    Assert.False(MerkleProof.VerifyInclusion(tree.LeafHash(index), index, size, Altered(proof), root));
                    Assert.False(MerkleProof.VerifyInclusion(tree.LeafHash(index), index, size, proof.Take(proof.Count - 1).ToList(), root));
                }
            }

            for (var oldSize = 1; oldSize < size; oldSize++)
            {
                var proof = tree.ConsistencyProof(oldSize, size);
                Assert.True(MerkleProof.VerifyConsistency(oldSize, size, tree.Root(oldSize), root, proof));
                Assert.False(MerkleProof.VerifyConsistency(oldSize, size, tree.Root(oldSize), root, Altered(proof)));
                Assert.False(MerkleProof.VerifyConsistency(oldSize, size, tree.Root(oldSize - 1), root, proof));
            }
        }
    }

    private static List<byte[]> Altered(IReadOnlyList<byte[]> proof)
    {
        var copy = proof.Select(p => (byte[])p.Clone()).ToList();
        copy[^1][7] ^= 0x01;
        return copy;
    }

    private static byte[] RandomLeaf(Random random, int index)
    {
        var leaf = new byte[(index % 5) switch { 0 => 0, 1 => 31, 2 => 55, 3 => 400, _ => 1500 }];
        random.NextBytes(leaf);
        return leaf;
    }
}
