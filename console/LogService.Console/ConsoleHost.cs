using LogService.Console.Api;
using LogService.Console.Components;
using LogService.Console.SignIn;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace LogService.Console;

/// <summary>Composes the Web Log Console: sign-in, the API client, the views and their few scripts.</summary>
public static class ConsoleHost
{
    /// <summary>Builds the console's web application from <paramref name="args"/> and configuration.</summary>
    /// <param name="args">Command-line arguments, e.g. <c>--urls</c> and <c>--Console:Authority</c>.</param>
    /// <param name="configure">Optional extra configuration applied before the services are added (tests use it).</param>
    /// <returns>The application, not yet started.</returns>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        var services = builder.Services;
        services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConsoleOptions>, ConsoleOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();
        services.AddHttpClient();
        services.AddHttpClient<ILogApi, HttpLogApi>(c => c.Timeout = TimeSpan.FromSeconds(30));
        services.AddSingleton<IssuerDiscovery>();
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
        {
            o.LoginPath = "/signin";
            o.ReturnUrlParameter = "returnUrl";
            o.Cookie.Name = "LogService.Console";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.SlidingExpiration = false;

            // The scripts' endpoints answer 401 instead of redirecting a fetch to the issuer's form.
            o.Events.OnRedirectToLogin = context =>
            {
                if (context.Request.Path.StartsWithSegments(LiveTail.RowsPath) || context.Request.Path.StartsWithSegments(VerifyChunks.Path))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                }
                else
                {
                    context.Response.Redirect(context.RedirectUri);
                }

                return Task.CompletedTask;
            };
        });
        services.AddAuthorization();
        services.AddRazorComponents();
        services.AddProblemDetails();

        var app = builder.Build();
        app.UseExceptionHandler("/failed");
        app.UseStatusCodePagesWithReExecute("/failed", "?status={0}");
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapConsoleAssets();
        app.MapCodeFlowSignIn();
        app.MapLiveTail();
        app.MapVerifyChunks();
        app.MapRazorComponents<App>();
        return app;
    }
}
