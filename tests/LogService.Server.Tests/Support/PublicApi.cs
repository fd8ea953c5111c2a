using System.Reflection;

namespace LogService.Server.Tests.Support;

/// <summary>Renders the public surface of one namespace, one line per type and member, for approval tests.</summary>
internal static class PublicApi
{
    public static string Describe(Assembly assembly, string ns)
    {
        const BindingFlags Declared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes().Where(t => t.Namespace == ns).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            lines.Add($"{Kind(type)} {type.FullName}");
            lines.AddRange(type.GetMembers(Declared)
                .Where(m => m is not MethodInfo { IsSpecialName: true } && m.DeclaringType == type)
                .Select(m => $"  {m.MemberType} {m}")
                .Order(StringComparer.Ordinal));
        }

        return string.Join('\n', lines) + "\n";
    }

    public static void Approve(string actual, string approvedFile)
    {
        var path = Path.Combine(RepositoryPaths.Root, approvedFile);
        var approved = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        if (approved != actual)
        {
            File.WriteAllText(Path.ChangeExtension(path, ".received.txt"), actual);
        }

        Assert.Equal(approved, actual);
    }

    private static string Kind(Type type) =>
        type.IsInterface ? "interface" : type.IsEnum ? "enum" : type.IsValueType ? "struct" : type.IsAbstract && type.IsSealed ? "static class" : "class";
}
