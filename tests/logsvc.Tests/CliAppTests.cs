using LogService.Cli.Tests.Support;

namespace LogService.Cli.Tests;

/// <summary>The command line's own behaviour, in process: usage errors, exit codes, local key shares.</summary>
public sealed class CliAppTests : IDisposable
{
    private readonly InProcessCli _cli = new();

    [Theory]
    [InlineData("write")]
    [InlineData("query", "--bogus")]
    [InlineData("frobnicate")]
    [InlineData("query", "--output", "xml")]
    [InlineData("pipe", "acme/app", "--format", "csv")]
    [InlineData("demo", "--entries", "1")]
    public async Task ABadCommandLineIsOneLineOnStandardErrorAndExitCode2(params string[] args)
    {
        var result = await _cli.RunAsync(args);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("logsvc: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownWordIsNamedInTheError()
    {
        var result = await _cli.RunAsync("frobnicate");

        Assert.Contains("frobnicate", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("streams", "list")]
    [InlineData("query")]
    [InlineData("verify", "acme/app")]
    public async Task CommandsNeedingTheServiceSayToLogInFirst(params string[] args)
    {
        var result = await _cli.RunAsync(args);

        Assert.Equal((ExitCodes.Authentication, "logsvc: not logged in; run 'logsvc login'\n"), (result.ExitCode, result.Error));
    }

    [Fact]
    public async Task LoginWithoutASecretIsAUsageErrorAndSavesNothing()
    {
        var result = await _cli.RunAsync("login", "--server", "http://127.0.0.1:9", "--issuer", "http://127.0.0.1:9", "--client-id", "acme-admin");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("client secret", result.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_cli.ConfigDirectory));
    }

    [Fact]
    public async Task AnOfflineVerificationNeedsATrustedKeySet()
    {
        var bundle = Path.Combine(_cli.ConfigDirectory, "b.json");
        await File.WriteAllTextAsync(bundle, "{}");

        var result = await _cli.RunAsync("verify", "--bundle", bundle);

        Assert.Equal(ExitCodes.Authentication, result.ExitCode);
        Assert.Contains("--keys", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFileThatIsNotABundleIsALocalFileError()
    {
        var bundle = Path.Combine(_cli.ConfigDirectory, "b.json");
        await File.WriteAllTextAsync(bundle, "not json");

        var result = await _cli.RunAsync("verify", "--bundle", bundle, "--trust-bundle-keys");

        Assert.Equal(ExitCodes.LocalFile, result.ExitCode);
    }

    [Fact]
    public async Task SharesSplitLocallyCombineToTheSameSecretWithAnyThresholdSubset()
    {
        var secret = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();
        var secretFile = Path.Combine(_cli.ConfigDirectory, "a0");
        await File.WriteAllBytesAsync(secretFile, secret);

        var split = await _cli.RunAsync("keys", "split", "-k", "2", "-m", "3", "--secret-file", secretFile);
        var shares = split.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var rebuilt = Path.Combine(_cli.ConfigDirectory, "rebuilt");
        var combine = await _cli.RunAsync("keys", "combine", shares[2], shares[0], "--secret-file", rebuilt);

        Assert.Equal((0, 3), (split.ExitCode, shares.Length));
        Assert.Equal(0, combine.ExitCode);
        Assert.Equal(Convert.ToBase64String(secret), (await File.ReadAllTextAsync(rebuilt)).Trim());
    }

    [Fact]
    public async Task TooFewOrDamagedSharesAreRefusedWithExitCode1AndNoSecretIsWritten()
    {
        var secretFile = Path.Combine(_cli.ConfigDirectory, "a0");
        await File.WriteAllBytesAsync(secretFile, new byte[32]);
        var shares = (await _cli.RunAsync("keys", "split", "-k", "3", "-m", "4", "--secret-file", secretFile)).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var damaged = Convert.FromBase64String(shares[1]);
        damaged[^1] ^= 0x40;
        var rebuilt = Path.Combine(_cli.ConfigDirectory, "rebuilt");

        var tooFew = await _cli.RunAsync("keys", "combine", shares[0], shares[1], "--secret-file", rebuilt);
        var bad = await _cli.RunAsync("keys", "combine", shares[0], Convert.ToBase64String(damaged), shares[2], "--secret-file", rebuilt);

        Assert.Equal(ExitCodes.IntegrityFailure, tooFew.ExitCode);
        Assert.Equal(ExitCodes.IntegrityFailure, bad.ExitCode);
        Assert.False(File.Exists(rebuilt));
    }

    [Theory]
    [InlineData(401, ExitCodes.Authentication)]
    [InlineData(403, ExitCodes.Denied)]
    [InlineData(404, ExitCodes.NotFound)]
    [InlineData(409, ExitCodes.Refused)]
    [InlineData(429, ExitCodes.Refused)]
    [InlineData(503, ExitCodes.Unavailable)]
    [InlineData(0, ExitCodes.Unavailable)]
    public void ServiceStatusesMapToDistinctExitCodes(int status, int code)
    {
        Assert.Equal(code, ExitCodes.ForStatus(status));
    }

    [Fact]
    public void AnArgumentTheSdkRefusesIsAUsageErrorWithoutTheParameterNoise()
    {
        var (code, message) = ExitCodes.For(new ArgumentException("'Acme/App' is not a stream id", "streamId"));

        Assert.Equal((ExitCodes.Usage, "'Acme/App' is not a stream id"), (code, message));
    }

    [Fact]
    public void AnUnexpectedFailureIsNotPassedOffAsTheServicesRefusal()
    {
        Assert.Equal(ExitCodes.Unexpected, ExitCodes.For(new InvalidOperationException("bug")).Code);
    }

    public void Dispose() => _cli.Dispose();
}
