using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace LogService.Core.Policies;

/// <summary>
/// Reads the policy directory into a <see cref="PolicySet"/>. Sections are read in dependency order across all
/// files (masks, tenants, roles, then what refers to them), so a file may refer to names another file defines.
/// </summary>
internal static partial class PolicyLoader
{
    public const string FilePattern = "*.policy.yaml";
    public const int SchemaVersion = 1;

    private static readonly string[] TopLevelKeys =
        ["version", "description", "masks", "tenants", "roles", "rules", "jurisdiction", "redaction", "quotas", "clients"];

    public static PolicySet Load(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new PolicyValidationException(Path.GetFileName(directory), 0, "the policy directory does not exist");
        }

        var paths = Directory.GetFiles(directory, FilePattern).Order(StringComparer.Ordinal).ToList();
        if (paths.Count == 0)
        {
            throw new PolicyValidationException(Path.GetFileName(directory), 0, $"no {FilePattern} files in the policy directory");
        }

        using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var readers = new List<PolicyYamlReader>();
        foreach (var path in paths)
        {
            var name = Path.GetFileName(path);
            var text = File.ReadAllText(path, Encoding.UTF8);
            digest.AppendData(Encoding.UTF8.GetBytes($"{name}\n{text.Length}\n{text}"));
            var reader = PolicyYamlReader.Parse(name, text);
            CheckHeader(reader);
            readers.Add(reader);
        }

        var builder = new PolicySetBuilder();
        Section(readers, "masks", builder.ReadMasks);
        Section(readers, "tenants", builder.ReadTenants);
        Section(readers, "roles", builder.ReadRoles);
        Section(readers, "rules", builder.ReadRules);
        Section(readers, "jurisdiction", builder.ReadJurisdiction);
        Section(readers, "redaction", builder.ReadRedaction);
        Section(readers, "quotas", builder.ReadQuotas);
        Section(readers, "clients", builder.ReadClients);

        var revision = Convert.ToHexStringLower(digest.GetHashAndReset())[..16];
        return builder.Build(revision, readers.Select(r => r.File).ToList());
    }

    /// <summary>Names of masks, roles, tenants and rules: lowercase words joined by '-', '_' or '.'.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    internal static partial Regex NamePattern();

    private static void CheckHeader(PolicyYamlReader reader)
    {
        reader.AllowOnly(reader.Root, TopLevelKeys);
        var version = reader.Find(reader.Root, "version")
            ?? throw reader.Error(reader.Root, "missing required key 'version'");
        if (version is not YamlScalarNode { Value: var text } || text != SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            throw reader.Error(version, $"unsupported version; this build reads policy schema version {SchemaVersion}");
        }

        reader.OptionalString(reader.Root, "description");
    }

    private static void Section(List<PolicyYamlReader> readers, string key, Action<PolicyYamlReader, YamlNode> read)
    {
        foreach (var reader in readers)
        {
            if (reader.Find(reader.Root, key) is { } node)
            {
                read(reader, node);
            }
        }
    }
}
