using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Serilog.Sinks.LogService.Tests.Support;

/// <summary>Signing keys of a four-replica deployment (f = 1) and the key set document clients pin.</summary>
internal sealed class FakeReplicaKeys : IDisposable
{
    public const int F = 1;

    public ECDsa[] Keys { get; } = Enumerable.Range(0, 3 * F + 1).Select(_ => ECDsa.Create(ECCurve.NamedCurves.nistP256)).ToArray();

    /// <summary>The <c>GET /api/v1/replicas</c> document for these keys.</summary>
    public string KeySetJson(IReadOnlyList<Uri>? urls = null) => new JsonObject
    {
        ["n"] = Keys.Length,
        ["f"] = F,
        ["replicas"] = new JsonArray(Keys.Select((key, i) => (JsonNode)new JsonObject
        {
            ["id"] = i,
            ["url"] = urls is not null && i < urls.Count ? urls[i].ToString() : $"http://127.0.0.1:1/replica-{i}/",
            ["signingKey"] = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()),
            ["agreementKey"] = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()),
            ["keyService"] = i == 0,
        }).ToArray()),
    }.ToJsonString();

    public void Dispose()
    {
        foreach (var key in Keys)
        {
            key.Dispose();
        }
    }
}
