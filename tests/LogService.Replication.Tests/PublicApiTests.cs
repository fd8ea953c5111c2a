using System.Reflection;
using System.Runtime.CompilerServices;

namespace LogService.Replication.Tests;

/// <summary>Locks the engine's public API (outside the TCP transport): a change must update PublicApi.approved.txt on purpose.</summary>
public sealed class PublicApiTests
{
    [Fact]
    public void PublicApiMatchesTheApprovedListing()
    {
        var approvedPath = Path.Combine(Path.GetDirectoryName(ThisFile())!, "PublicApi.approved.txt");
        var actual = Describe();
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath) : "";
        if (approved != actual && Environment.GetEnvironmentVariable("LOGSVC_APPROVE_API") == "1")
        {
            File.WriteAllText(approvedPath, actual);
            return;
        }

        Assert.Equal(approved, actual);
    }

    private static string Describe()
    {
        var types = typeof(ReplicaNode).Assembly.GetExportedTypes()
            .Where(t => t.Namespace is { } ns && !ns.Contains(".Tcp", StringComparison.Ordinal))
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
        var lines = new List<string>();
        foreach (var t in types)
        {
            lines.Add(t.FullName!);
            var members = t.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Where(m => m is not MethodInfo { IsSpecialName: true })
                .Select(m => "  " + m.MemberType + " " + m)
                .OrderBy(s => s, StringComparer.Ordinal);
            lines.AddRange(members);
        }

        return string.Join("\n", lines) + "\n";
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
