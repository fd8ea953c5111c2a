using System.Reflection;

namespace LogService.Storage.Tests;

/// <summary>The storage project's public API is locked: a change must update the approved listing on purpose.</summary>
public sealed class PublicApiTests
{
    private const string ApprovedFile = "LogService.Storage.approved.txt";

    [Fact]
    public void PublicApiMatchesTheApprovedListing()
    {
        var actual = Describe(typeof(ILogStore).Assembly);
        var approved = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, ApprovedFile));
        if (!actual.SequenceEqual(approved))
        {
            var received = Path.Combine(AppContext.BaseDirectory, "LogService.Storage.received.txt");
            File.WriteAllLines(received, actual);
            Assert.Fail($"The public API changed; compare {received} with tests/LogService.Storage.Tests/{ApprovedFile}:\n"
                + string.Join('\n', actual.Except(approved).Select(line => "+ " + line).Concat(approved.Except(actual).Select(line => "- " + line))));
        }
    }

    private static List<string> Describe(Assembly assembly)
    {
        const BindingFlags declared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            lines.Add($"{Kind(type)} {type.FullName}");
            var members = type.GetMembers(declared)
                .Where(m => m is not MethodInfo { IsSpecialName: true } && !m.Name.StartsWith('<'))
                .Select(m => "  " + m switch
                {
                    MethodInfo method => $"{method.ReturnType.Name} {method.Name}({string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name))})",
                    ConstructorInfo constructor => $"ctor({string.Join(", ", constructor.GetParameters().Select(p => p.ParameterType.Name))})",
                    PropertyInfo property => $"{property.PropertyType.Name} {property.Name}",
                    FieldInfo field => $"{field.FieldType.Name} {field.Name}",
                    _ => $"{m.MemberType} {m.Name}",
                })
                .Order(StringComparer.Ordinal);
            lines.AddRange(members);
        }

        return lines;
    }

    private static string Kind(Type type) =>
        type.IsInterface ? "interface" : type.IsEnum ? "enum" : type.IsValueType ? "struct" : type.IsAbstract && type.IsSealed ? "static class" : "class";
}
