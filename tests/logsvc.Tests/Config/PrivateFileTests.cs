using LogService.Cli.Config;

namespace LogService.Cli.Tests.Config;

public sealed class PrivateFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logsvc-private-").FullName;

    [Fact]
    public void ANewFileAndItsFolderAreReadableOnlyByTheUser()
    {
        var path = Path.Combine(_directory, "nested", "token.json");

        PrivateFile.WriteText(path, "secret");

        Assert.Equal("secret", File.ReadAllText(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        }
    }

    [Fact]
    public void OverwritingAWorldReadableFileLeavesItPrivate()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix modes only.
        }

        var path = Path.Combine(_directory, "token.json");
        File.WriteAllText(path, "old");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        PrivateFile.WriteText(path, "new");

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Single(Directory.GetFiles(_directory));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
