using System.Security.Cryptography;
using System.Text.Json.Nodes;
using LogService.Client.Tests.Support;
using LogService.Client.Trust;

namespace LogService.Client.Tests.Trust;

public sealed class ReplicaKeySetTests
{
    [Fact]
    public void AKeySetSurvivesSavingAndLoading()
    {
        using var replicas = new TestReplicas(f: 1);
        using var keys = replicas.KeySet();
        var path = Path.GetTempFileName();
        File.WriteAllText(path, keys.ToJson());

        using var loaded = ReplicaKeySet.Load(path);
        File.Delete(path);

        Assert.Equal((4, 1, 2, 3), (loaded.N, loaded.F, loaded.ReceiptQuorum, loaded.CertifiedQuorum));
        Assert.True(loaded.Replicas[0].KeyService);
        Assert.Equal(keys.Replicas[3].SigningKey, loaded.Replicas[3].SigningKey);
    }

    [Theory]
    [InlineData("n below 3f+1")]
    [InlineData("count differs from n")]
    [InlineData("duplicate id")]
    [InlineData("P-384 key")]
    [InlineData("garbage key")]
    [InlineData("no replicas")]
    public void AnUnsafeOrMalformedKeySetIsRefused(string damage)
    {
        using var replicas = new TestReplicas(f: 1);
        using var keys = replicas.KeySet();
        var doc = JsonNode.Parse(keys.ToJson())!.AsObject();
        var list = doc["replicas"]!.AsArray();
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        switch (damage)
        {
            case "n below 3f+1": doc["f"] = 2; break;
            case "count differs from n": list.RemoveAt(3); break;
            case "duplicate id": list[1]!["id"] = 0; break;
            case "P-384 key": list[2]!["signingKey"] = Convert.ToBase64String(p384.ExportSubjectPublicKeyInfo()); break;
            case "garbage key": list[2]!["signingKey"] = "AAAA"; break;
            default: doc.Remove("replicas"); break;
        }

        Assert.Throws<FormatException>(() => ReplicaKeySet.Parse(doc.ToJsonString()));
    }
}
