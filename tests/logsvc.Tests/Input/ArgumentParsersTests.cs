using LogService.Cli.Input;

namespace LogService.Cli.Tests.Input;

public sealed class ArgumentParsersTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 14, 0, 0, TimeSpan.Zero);

    [Fact]
    public void JsonValuesStayJsonAndEverythingElseIsText()
    {
        var properties = ArgumentParsers.Properties(["Count=3", "Ok=true", "Id=\"007\"", "Zip=01234", "Sku=A-1", "Tags=[1,2]", "Empty=", "Eq=a=b"])!;

        Assert.Equal("""{"Count":3,"Ok":true,"Id":"007","Zip":"01234","Sku":"A-1","Tags":[1,2],"Empty":"","Eq":"a=b"}""", properties.ToJsonString());
    }

    [Theory]
    [InlineData("NoEquals")]
    [InlineData("=value")]
    public void APropertyWithoutANameIsAUsageError(string pair)
    {
        var error = Assert.Throws<CliException>(() => ArgumentParsers.Properties([pair]));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
    }

    [Fact]
    public void APropertyGivenTwiceIsRefusedRatherThanSilentlyOverwritten()
    {
        var error = Assert.Throws<CliException>(() => ArgumentParsers.Properties(["A=1", "A=2"]));

        Assert.Contains("twice", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("15m", 15 * 60)]
    [InlineData("2h", 2 * 3600)]
    [InlineData("7d", 7 * 86400)]
    [InlineData("90s", 90)]
    [InlineData("1.5h", 5400)]
    public void ADurationMeansThatLongBeforeNow(string text, int secondsAgo)
    {
        Assert.Equal(Now.AddSeconds(-secondsAgo), ArgumentParsers.Time(text, Now, "--from"));
    }

    [Fact]
    public void AnIsoTimeWithoutOffsetIsUtc()
    {
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 30, 0, TimeSpan.Zero), ArgumentParsers.Time("2026-11-20T08:30:00", Now, "--from"));
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 30, 0, TimeSpan.FromHours(2)), ArgumentParsers.Time("2026-11-20T08:30:00+02:00", Now, "--from"));
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("5 minutes")]
    public void AnythingElseIsAUsageErrorNamingTheOption(string text)
    {
        var error = Assert.Throws<CliException>(() => ArgumentParsers.Time(text, Now, "--to"));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.StartsWith("--to", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DurationsKnowMillisecondsAndRefuseZero()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(500), ArgumentParsers.Duration("500ms", "--interval"));
        Assert.Throws<CliException>(() => ArgumentParsers.Duration("0s", "--interval"));
        Assert.Throws<CliException>(() => ArgumentParsers.Duration("soon", "--interval"));
    }

    [Fact]
    public void ASecretFileMayHoldRawBytesBase64OrHex()
    {
        var secret = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        var path = Path.GetTempFileName();
        try
        {
            foreach (var contents in new[] { secret, System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(secret) + "\n"), System.Text.Encoding.ASCII.GetBytes(Convert.ToHexString(secret)) })
            {
                File.WriteAllBytes(path, contents);
                Assert.Equal(secret, ArgumentParsers.SecretFile(path, 32));
            }

            File.WriteAllText(path, Convert.ToBase64String(secret[..31]));
            Assert.Equal(ExitCodes.LocalFile, Assert.Throws<CliException>(() => ArgumentParsers.SecretFile(path, 32)).ExitCode);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
