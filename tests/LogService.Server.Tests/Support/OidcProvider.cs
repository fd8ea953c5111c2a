using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LogService.Server.Tests.Support;

/// <summary>A real oidc-provider (npm) on a loopback port, run by tests/LogService.Server.Tests/idp/idp.mjs.</summary>
internal sealed class OidcProvider : IAsyncDisposable
{
    public const string ClientId = "collector";
    public const string ClientSecret = "collector-secret-for-tests-only";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process process;
    private readonly string configPath;

    private readonly string clientSecret;

    private OidcProvider(Process process, string configPath, string issuer, SigningKey key, string clientSecret)
    {
        this.process = process;
        this.configPath = configPath;
        this.clientSecret = clientSecret;
        Issuer = issuer;
        Key = key;
    }

    public string Issuer { get; }

    public SigningKey Key { get; }

    /// <summary>
    /// Starts a provider signing with <paramref name="key"/>; with <paramref name="signIn"/> (<c>{ clientId, redirectUris,
    /// users: [{ id, password, scopes }] }</c>) people can also sign in at its login form (see idp/sign-in.mjs).
    /// <paramref name="clientSecret"/> replaces <see cref="ClientSecret"/> for the client-credentials client.
    /// </summary>
    public static async Task<OidcProvider> StartAsync(
        SigningKey key, IEnumerable<string> resources, JsonObject extraClaims, JsonObject? signIn = null, string clientSecret = ClientSecret)
    {
        var script = Path.Combine(RepositoryPaths.IdentityProvider, "idp.mjs");
        if (!Directory.Exists(Path.Combine(RepositoryPaths.IdentityProvider, "node_modules")))
        {
            throw new InvalidOperationException("the test identity provider is not installed: run npm ci --prefix tests/LogService.Server.Tests/idp (./build.sh test does)");
        }

        var config = new JsonObject
        {
            ["port"] = 0,
            ["jwks"] = new JsonObject { ["keys"] = new JsonArray(key.PrivateJwk.DeepClone()) },
            ["alg"] = key.PrivateJwk["alg"]!.DeepClone(),
            ["clientId"] = ClientId,
            ["clientSecret"] = clientSecret,
            ["scopes"] = new JsonArray("logs.write", "logs.read", "logs.audit"),
            ["resources"] = new JsonArray(resources.Select(r => (JsonNode)r).ToArray()),
            ["claims"] = extraClaims,
            ["signIn"] = signIn,
        };
        var configPath = Path.Combine(Path.GetTempPath(), $"logservice-idp-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(configPath, config.ToJsonString());

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepositoryPaths.IdentityProvider,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(configPath);
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var errors = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (errors) { errors.AppendLine(e.Data); } };
        process.BeginErrorReadLine();

        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(StartTimeout);
        if (line is null)
        {
            throw new InvalidOperationException($"the identity provider exited: {errors}");
        }

        var issuer = JsonNode.Parse(line)!["issuer"]!.GetValue<string>();
        return new OidcProvider(process, configPath, issuer, key, clientSecret);
    }

    /// <summary>Asks the provider for a client-credentials access token.</summary>
    public async Task<string> GetTokenAsync(string scope, string resource)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, Issuer + "/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["scope"] = scope,
                ["resource"] = resource,
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{clientSecret}")));
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"token request failed: {body}");
        return body.GetProperty("access_token").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        // The script stops when its stdin closes; kill it only if it does not.
        process.StandardInput.Close();
        using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(exited.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
        Key.Dispose();
        File.Delete(configPath);
    }
}
