namespace LogService.Client.Tests.Support;

public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LogService.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (LogService.sln) was not found above the test binaries");
    }
}
