using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LogService.Core.Policies;
using LogService.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace LogService.Server.Tests.Identity;

/// <summary>
/// The local issuer beside the API in one app. The tenant registry first names a placeholder issuer; once the
/// app's port is known the policy file is rewritten, which also shows a tenant's issuer changing without restart.
/// </summary>
public sealed class LocalIssuerTests : IAsyncLifetime
{
    private const string WriterSecret = "writer-secret-for-tests";
    private readonly TestPolicy policy = new();
    private TestApp app = null!;

    private HttpClient Client => app.Client;

    public async Task InitializeAsync()
    {
        string[] clients =
        [
            TestPolicy.Client("local-writer", WriterSecret, "local", "logs.write"),
            TestPolicy.Client("local-reader", "reader-secret-for-tests", "local", "logs.read"),
        ];
        policy.Write([TestPolicy.Tenant("local", "http://127.0.0.1:1")], clients);
        app = await TestApp.StartApiAsync(policy.Directory, localIssuer: true);

        var source = app.App.Services.GetRequiredService<IPolicySource>();
        var reloaded = new TaskCompletionSource<PolicyReloadedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Reloaded += (_, e) => reloaded.TrySetResult(e);
        policy.Write([TestPolicy.Tenant("local", app.Address.TrimEnd('/'))], clients);
        Assert.Null((await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(20))).Error);
    }

    public async Task DisposeAsync()
    {
        await app.DisposeAsync();
        policy.Dispose();
    }

    [Fact]
    public async Task ATokenFromClientSecretBasicIsAcceptedForTheClientsTenant()
    {
        var token = await RequestTokenAsync(basic: ("local-writer", WriterSecret), form: []);

        var principal = await ProblemAssert.AcceptedAsync(Client, "/probe/write", token);

        Assert.Equal("local", principal.Tenant);
        Assert.Equal("local-writer", principal.User);
    }

    [Fact]
    public async Task ATokenFromClientSecretPostIsAccepted()
    {
        var token = await RequestTokenAsync(basic: null, form: new() { ["client_id"] = "local-writer", ["client_secret"] = WriterSecret });

        Assert.Equal("local", (await ProblemAssert.AcceptedAsync(Client, "/probe/write", token)).Tenant);
    }

    [Fact]
    public async Task IssuedTokensAreShortLivedAccessTokensForTheTenantsAudience()
    {
        var token = new JsonWebToken(await RequestTokenAsync(basic: ("local-writer", WriterSecret), form: []));

        Assert.Equal("at+jwt", token.Typ);
        Assert.Equal("ES256", token.Alg);
        Assert.Equal([TestPolicy.Audience], token.Audiences);
        Assert.Equal("logs.write", token.GetClaim("scope").Value);
        Assert.True(token.ValidTo - token.IssuedAt <= TimeSpan.FromMinutes(15));
    }

    [Fact]
    public async Task AWrongSecretIsRefusedAsInvalidClient()
    {
        using var response = await PostTokenAsync(basic: ("local-writer", "guess"), form: []);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_client", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task AScopeTheClientDoesNotHoldIsRefused()
    {
        using var response = await PostTokenAsync(basic: ("local-writer", WriterSecret), form: new() { ["scope"] = "logs.write logs.read" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_scope", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task TheReaderClientsTokenIsForbiddenToWrite()
    {
        var token = await RequestTokenAsync(basic: ("local-reader", "reader-secret-for-tests"), form: []);

        await ProblemAssert.RefusedAsync(Client, "/probe/write", token, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task TheDiscoveryDocumentAndKeySetPublishNoSecrets()
    {
        var discovery = await Client.GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");
        var keys = await Client.GetStringAsync(discovery.GetProperty("jwks_uri").GetString());

        Assert.Equal(app.Address.TrimEnd('/'), discovery.GetProperty("issuer").GetString());
        Assert.Contains("\"kty\":\"EC\"", keys, StringComparison.Ordinal);
        Assert.DoesNotContain("\"d\"", keys, StringComparison.Ordinal);
    }

    private async Task<string> RequestTokenAsync((string Id, string Secret)? basic, Dictionary<string, string> form)
    {
        using var response = await PostTokenAsync(basic, form);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body.GetProperty("access_token").GetString()!;
    }

    private Task<HttpResponseMessage> PostTokenAsync((string Id, string Secret)? basic, Dictionary<string, string> form)
    {
        form["grant_type"] = "client_credentials";
        var request = new HttpRequestMessage(HttpMethod.Post, "/token") { Content = new FormUrlEncodedContent(form) };
        if (basic is { } credentials)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Id}:{credentials.Secret}")));
        }

        return Client.SendAsync(request);
    }
}
