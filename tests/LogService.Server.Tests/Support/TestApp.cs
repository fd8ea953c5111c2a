using System.Security.Claims;
using LogService.Server.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LogService.Server.Tests.Support;

/// <summary>An ASP.NET Core app on a real Kestrel loopback port with LogService identity wired in.</summary>
internal sealed class TestApp : IAsyncDisposable
{
    private TestApp(WebApplication app)
    {
        App = app;
        Address = app.Urls.First();
        Client = new HttpClient { BaseAddress = new Uri(Address) };
    }

    public WebApplication App { get; }

    public string Address { get; }

    public HttpClient Client { get; }

    /// <summary>
    /// The API side: tenant authentication and two probe endpoints that echo the caller; with
    /// <paramref name="localIssuer"/>, the local issuer runs beside it in the same app.
    /// </summary>
    public static Task<TestApp> StartApiAsync(string policyDirectory, bool localIssuer = false, string? dataDirectory = null) =>
        StartAsync(policyDirectory, dataDirectory, (builder, services) =>
        {
            services.AddLogServiceIdentity(builder.Configuration);
            if (localIssuer)
            {
                services.AddLocalIssuer(builder.Configuration);
            }
        }, app =>
        {
            app.UseAuthentication();
            app.UseAuthorization();
            app.MapGet("/probe/write", (ClaimsPrincipal user) => TypedResults.Ok(user.ToLogPrincipal())).RequireLogScope(LogScopes.Write);
            app.MapGet("/probe/read", (ClaimsPrincipal user) => TypedResults.Ok(user.ToLogPrincipal())).RequireLogScope(LogScopes.Read);
            if (localIssuer)
            {
                app.MapLocalIssuer();
            }
        });

    /// <summary>The local issuer alone, as the embedded default can run it.</summary>
    public static Task<TestApp> StartLocalIssuerAsync(string policyDirectory, string dataDirectory) =>
        StartAsync(policyDirectory, dataDirectory, (builder, services) => services.AddLocalIssuer(builder.Configuration), app => app.MapLocalIssuer());

    private static async Task<TestApp> StartAsync(
        string policyDirectory,
        string? dataDirectory,
        Action<WebApplicationBuilder, IServiceCollection> configure,
        Action<WebApplication> map)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Production,
            ContentRootPath = policyDirectory,
            Args = ["--urls", "http://127.0.0.1:0"],
        });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LogService:Policies:Directory"] = policyDirectory,
            ["LogService:Policies:ReloadDebounce"] = "00:00:00.100",
            ["LogService:LocalIssuer:DataDirectory"] = dataDirectory ?? Path.Combine(policyDirectory, "data"),
        });
        configure(builder, builder.Services);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return new TestApp(app);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
