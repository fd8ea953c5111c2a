using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace LogService.Client.Tests.Support;

/// <summary>
/// The real oidc-provider issuer the server tests use (tests/LogService.Server.Tests/idp), on a loopback port, with
/// one client-credentials client. Its access tokens live 300 seconds.
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    public const string ClientId = "writer";
    public const string ClientSecret = "writer-secret:for tests";
    public const string Resource = "https://logs.example.test";
    private readonly Process _process;
    private readonly string _configPath;

    private TestIssuer(Process process, string configPath, Uri issuer)
    {
        _process = process;
        _configPath = configPath;
        Issuer = issuer;
    }

    public Uri Issuer { get; }

    /// <summary>One issuer for a test class.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public TestIssuer Issuer { get; private set; } = null!;

        public async Task InitializeAsync() => Issuer = await StartAsync();

        public async Task DisposeAsync() => await Issuer.DisposeAsync();
    }

    public static async Task<TestIssuer> StartAsync()
    {
        var directory = Path.Combine(RepositoryPaths.Root, "tests", "LogService.Server.Tests", "idp");
        if (!Directory.Exists(Path.Combine(directory, "node_modules")))
        {
            throw new InvalidOperationException("the test identity provider is not installed: run npm ci --prefix tests/LogService.Server.Tests/idp (./build.sh test does)");
        }

        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = ec.ExportParameters(includePrivateParameters: true);
        var config = new JsonObject
        {
            ["port"] = 0,
            ["jwks"] = new JsonObject
            {
                ["keys"] = new JsonArray(new JsonObject
                {
                    ["kty"] = "EC", ["crv"] = "P-256", ["kid"] = "k1", ["alg"] = "ES256", ["use"] = "sig",
                    ["x"] = B64Url(p.Q.X!), ["y"] = B64Url(p.Q.Y!), ["d"] = B64Url(p.D!),
                }),
            },
            ["alg"] = "ES256",
            ["clientId"] = ClientId,
            ["clientSecret"] = ClientSecret,
            ["scopes"] = new JsonArray("logs.write", "logs.read"),
            ["resources"] = new JsonArray(Resource),
            ["claims"] = new JsonObject(),
        };
        var configPath = Path.Combine(Path.GetTempPath(), $"logservice-client-idp-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(configPath, config.ToJsonString());
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("idp.mjs");
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(configPath);
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var errors = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (errors) { errors.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))
            ?? throw new InvalidOperationException($"the identity provider exited: {errors}");
        return new TestIssuer(process, configPath, new Uri(JsonNode.Parse(line)!["issuer"]!.GetValue<string>()));
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(exited.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        File.Delete(_configPath);
    }

    private static string B64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
