using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Json.Nodes;
using LogService.Console;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LogService.Bench;

/// <summary>
/// Console (issue 7 §3: the first results page in ≤ 300 ms server-side at 10M entries): the console's events page,
/// asked for one random hour of one stream of 10M sealed entries (200k with <c>--quick</c>), through a read API
/// over the query scenario's store. Timed from the request to the last byte of the rendered HTML, so it includes the
/// console's call to the API (token validation, policy, decryption, integrity checks) and the page's render. The
/// reviewer is signed in by a session cookie the console itself protected, holding a token of the tenant's issuer,
/// as the authorization-code sign-in would leave it. The baseline is the same window's page of 50 read straight from
/// the API with the same token.
/// </summary>
internal sealed class ConsoleScenario : IBenchScenario
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    public string Name => "console";

    public async Task<JsonObject> RunAsync(BenchContext context)
    {
        var stored = context.Quick ? 200_000 : 10_000_000;
        var pages = context.Quick ? 100 : 500;
        await using var world = await ReadApiOverStore.StartAsync(context, Name, stored);
        await using var console = ConsoleHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Logging.ClearProviders();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Console:Authority"] = world.IssuerUrl, ["Console:ApiUrls:0"] = world.ApiUrl,
            });
        });
        await console.StartAsync();

        using var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri(console.Urls.First()) };
        http.DefaultRequestHeaders.Add("Cookie", SessionCookie(console, world.Token()));
        using var api = new HttpClient { BaseAddress = new Uri(world.ApiUrl) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", world.Token());
        var random = new Random(7);
        var samples = new List<double>(pages);
        var baseline = new List<double>(pages);
        for (var i = -20; i < pages; i++)
        {
            var to = DateTimeOffset.FromUnixTimeMilliseconds(world.FirstMillis + (long)(random.NextDouble() * (world.LastMillis - world.FirstMillis))).Add(Hour);
            var path = $"/events?stream=bench/app&from={Iso(to - Hour)}&to={Iso(to)}";
            var clock = Stopwatch.StartNew();
            using var response = await http.GetAsync(path);
            var html = await response.Content.ReadAsStringAsync();
            var ms = clock.Elapsed.TotalMilliseconds;
            if (!response.IsSuccessStatusCode || !html.Contains("Order o-", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode}, no entries on the page: {html[..Math.Min(html.Length, 2000)]}");
            }

            // The baseline: the same window's page of 50 (the console's page size) straight from the read API, without the console.
            clock.Restart();
            using var direct = await api.GetAsync($"/api/v1/entries?stream=bench/app&from={(to - Hour).ToUnixTimeMilliseconds() * 1000}&to={to.ToUnixTimeMilliseconds() * 1000}&limit=50");
            await direct.Content.ReadAsStringAsync();
            var apiMs = clock.Elapsed.TotalMilliseconds;
            direct.EnsureSuccessStatusCode();
            if (i >= 0)
            {
                // The first 20 warm the JIT, the key ladder and both hosts' connection pools; they are not counted.
                samples.Add(ms);
                baseline.Add(apiMs);
            }
        }

        await console.StopAsync();
        return new JsonObject
        {
            ["first_page_p50_ms"] = Stats.Round(Stats.Percentile(samples, 0.50), 2),
            ["first_page_p99_ms"] = Stats.Round(Stats.Percentile(samples, 0.99), 2),
            ["stored_entries"] = stored,
            ["pages"] = pages,
            ["baseline_api_page_p50_ms"] = Stats.Round(Stats.Percentile(baseline, 0.50), 2),
            ["baseline_api_page_p99_ms"] = Stats.Round(Stats.Percentile(baseline, 0.99), 2),
        };
    }

    private static string Iso(DateTimeOffset time) => Uri.EscapeDataString(time.ToString("O", CultureInfo.InvariantCulture));

    /// <summary>The console's session cookie for a reviewer holding <paramref name="accessToken"/>, protected by the console's own keys.</summary>
    private static string SessionCookie(WebApplication console, string accessToken)
    {
        var options = console.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme);
        var identity = new ClaimsIdentity([new(ClaimTypes.Name, "reviewer"), new("sub", "reviewer"), new("scope", "logs.read")], "oidc", ClaimTypes.Name, null);
        var properties = new AuthenticationProperties { ExpiresUtc = DateTimeOffset.UtcNow.AddMinutes(15) };
        properties.StoreTokens([new AuthenticationToken { Name = "access_token", Value = accessToken }]);
        var ticket = new AuthenticationTicket(new ClaimsPrincipal(identity), properties, CookieAuthenticationDefaults.AuthenticationScheme);
        return $"{options.Cookie.Name}={options.TicketDataFormat.Protect(ticket)}";
    }
}
