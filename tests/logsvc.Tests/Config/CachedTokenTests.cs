using System.Text;
using LogService.Cli.Config;

namespace LogService.Cli.Tests.Config;

public sealed class CachedTokenTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 14, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AJwtsExpiryComesFromItsExpClaim()
    {
        var token = CachedToken.From(Jwt($$"""{"sub":"acme-admin","exp":{{Now.AddMinutes(10).ToUnixTimeSeconds()}}}"""));

        Assert.Equal(Now.AddMinutes(10), token.ExpiresAt);
        Assert.True(token.IsUsable(Now, TimeSpan.FromSeconds(30)));
        Assert.False(token.IsUsable(Now.AddMinutes(9.8), TimeSpan.FromSeconds(30)));
    }

    [Theory]
    [InlineData("opaque-token")]
    [InlineData("a.not-base64!.c")]
    public void AnOpaqueTokenHasNoKnownExpiryAndIsUsedUntilRefused(string token)
    {
        var cached = CachedToken.From(token);

        Assert.Null(cached.ExpiresAt);
        Assert.True(cached.IsUsable(Now.AddYears(1), TimeSpan.FromSeconds(30)));
    }

    private static string Jwt(string payload) =>
        $"eyJhbGciOiJub25lIn0.{Convert.ToBase64String(Encoding.UTF8.GetBytes(payload)).TrimEnd('=').Replace('+', '-').Replace('/', '_')}.sig";
}
