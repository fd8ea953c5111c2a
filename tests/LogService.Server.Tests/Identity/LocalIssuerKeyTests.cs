using System.Text.Json;
using System.Net.Http.Json;
using LogService.Server.Tests.Support;

namespace LogService.Server.Tests.Identity;

public sealed class LocalIssuerKeyTests : IDisposable
{
    private readonly TestPolicy policy = new();
    private readonly string dataDirectory = Directory.CreateTempSubdirectory("logservice-issuer-data-").FullName;

    public LocalIssuerKeyTests() =>
        policy.Write([TestPolicy.Tenant("local", "http://127.0.0.1:1")], [TestPolicy.Client("c", "secret-of-c", "local", "logs.write")]);

    public void Dispose()
    {
        policy.Dispose();
        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public async Task TheStandaloneIssuerKeepsItsSigningKeyAcrossRestarts()
    {
        var first = await KeyIdAsync();
        var second = await KeyIdAsync();

        Assert.Equal(first, second);
        if (!OperatingSystem.IsWindows())
        {
            var file = Directory.GetFiles(dataDirectory).Single();
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
    }

    private async Task<string> KeyIdAsync()
    {
        await using var issuer = await TestApp.StartLocalIssuerAsync(policy.Directory, dataDirectory);
        var keys = await issuer.Client.GetFromJsonAsync<JsonElement>("/jwks");
        return keys.GetProperty("keys")[0].GetProperty("kid").GetString()!;
    }
}
