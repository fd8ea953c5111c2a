using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LogService.Core.Policies;

/// <summary>Typed, line-aware access to one policy file's YAML nodes; every error names the file and line.</summary>
internal sealed class PolicyYamlReader
{
    private PolicyYamlReader(string file, YamlMappingNode root)
    {
        File = file;
        Root = root;
    }

    public string File { get; }

    public YamlMappingNode Root { get; }

    public static PolicyYamlReader Parse(string file, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new PolicyValidationException(file, (int)e.Start.Line, $"not valid YAML: {e.Message}");
        }

        if (stream.Documents.Count != 1)
        {
            throw new PolicyValidationException(file, 0, "a policy file holds exactly one YAML document");
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new PolicyValidationException(file, (int)stream.Documents[0].RootNode.Start.Line, "the document must be a mapping");
        }

        return new PolicyYamlReader(file, root);
    }

    public PolicyValidationException Error(YamlNode node, string reason) => new(File, (int)node.Start.Line, reason);

    public PolicyRuleSource SourceOf(string name, YamlNode node) => new(name, File, (int)node.Start.Line);

    public YamlNode? Find(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public void AllowOnly(YamlMappingNode map, params string[] keys)
    {
        foreach (var key in map.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value;
            if (name is null || Array.IndexOf(keys, name) < 0)
            {
                throw Error(key, $"unknown key '{name}'; expected one of: {string.Join(", ", keys)}");
            }
        }
    }

    public YamlMappingNode Mapping(YamlNode node, string what) =>
        node as YamlMappingNode ?? throw Error(node, $"{what} must be a mapping");

    public IEnumerable<YamlMappingNode> MappingList(YamlNode node, string what) =>
        node is YamlSequenceNode list
            ? list.Children.Select(item => Mapping(item, $"each entry of {what}"))
            : throw Error(node, $"{what} must be a list");

    public string RequiredString(YamlMappingNode map, string key) =>
        OptionalString(map, key) ?? throw Error(map, $"missing required key '{key}'");

    public string? OptionalString(YamlMappingNode map, string key)
    {
        var node = Find(map, key);
        if (node is null)
        {
            return null;
        }

        if (node is not YamlScalarNode { Value: { Length: > 0 } value })
        {
            throw Error(node, $"'{key}' must be a non-empty string");
        }

        return value;
    }

    public long? OptionalLong(YamlMappingNode map, string key, long min, long max)
    {
        var node = Find(map, key);
        if (node is null)
        {
            return null;
        }

        return Long(node, $"'{key}'", min, max);
    }

    public long Long(YamlNode node, string what, long min, long max)
    {
        var text = (node as YamlScalarNode)?.Value?.Replace("_", string.Empty, StringComparison.Ordinal);
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw Error(node, $"{what} must be an integer from {min} to {max}");
        }

        return value;
    }

    public bool OptionalBool(YamlMappingNode map, string key)
    {
        var node = Find(map, key);
        return node switch
        {
            null => false,
            YamlScalarNode { Value: "true" } => true,
            YamlScalarNode { Value: "false" } => false,
            _ => throw Error(node, $"'{key}' must be true or false"),
        };
    }

    public IReadOnlyList<(string Value, YamlNode Node)> StringList(YamlMappingNode map, string key, bool required)
    {
        var node = Find(map, key);
        if (node is null)
        {
            return required ? throw Error(map, $"missing required key '{key}'") : [];
        }

        if (node is not YamlSequenceNode list || (required && list.Children.Count == 0))
        {
            throw Error(node, required ? $"'{key}' must be a non-empty list" : $"'{key}' must be a list");
        }

        return list.Children
            .Select(item => item is YamlScalarNode { Value: { Length: > 0 } value }
                ? (value, item)
                : throw Error(item, $"each entry of '{key}' must be a non-empty string"))
            .ToList();
    }
}
