using LogService.Server.Identity;
using LogService.Server.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LogService.Server.Tests.Identity;

public sealed class IdentityOptionsTests : IDisposable
{
    private readonly TestPolicy policy = new();

    public IdentityOptionsTests() => policy.Write([TestPolicy.Tenant("local", "http://127.0.0.1:1")]);

    public void Dispose() => policy.Dispose();

    [Fact]
    public void EveryOptionHasAValidDefault()
    {
        var services = Compose([]);

        using var provider = services.BuildServiceProvider();

        var auth = provider.GetRequiredService<IOptions<LogServiceAuthenticationOptions>>().Value;
        var issuer = provider.GetRequiredService<IOptions<LocalIssuerOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(30), auth.ClockSkew);
        Assert.Null(auth.AllowedAlgorithms);
        Assert.Equal(TimeSpan.FromMinutes(10), issuer.TokenLifetime);
        Assert.False(string.IsNullOrEmpty(issuer.DataDirectory));
    }

    [Theory]
    [InlineData("LogService:Authentication:ClockSkew", "00:01:00")]
    [InlineData("LogService:Authentication:AllowedAlgorithms:0", "none")]
    [InlineData("LogService:Authentication:AllowedAlgorithms:0", "HS256")]
    [InlineData("LogService:Policies:ReloadDebounce", "00:05:00")]
    public void UnsafeAuthenticationSettingsStopComposition(string key, string value) =>
        Assert.Throws<OptionsValidationException>(() => Compose(new() { [key] = value }));

    [Fact]
    public void ATokenLifetimeOverFifteenMinutesIsRejectedAtStart()
    {
        var services = Compose(new() { ["LogService:LocalIssuer:TokenLifetime"] = "00:20:00" });
        using var provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<LocalIssuerOptions>>().Value);
    }

    private ServiceCollection Compose(Dictionary<string, string?> settings)
    {
        settings["LogService:Policies:Directory"] = policy.Directory;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddLogServiceIdentity(configuration);
        services.AddLocalIssuer(configuration);
        return services;
    }
}
