using YamlDotNet.RepresentationModel;

namespace LogService.Core.Policies;

/// <summary>Collects the sections of all policy files and checks every cross-reference where it is written.</summary>
internal sealed class PolicySetBuilder
{
    private static readonly Dictionary<string, PolicyAction> ActionNames = new(StringComparer.Ordinal)
    {
        ["write"] = PolicyAction.Write,
        ["read"] = PolicyAction.Read,
        ["audit"] = PolicyAction.Audit,
        ["administer"] = PolicyAction.Administer,
        ["operate"] = PolicyAction.Operate,
    };

    private readonly Dictionary<string, ulong> masks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TenantRegistration> tenants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RoleDefinition> roles = new(StringComparer.Ordinal);
    private readonly List<AccessRule> rules = [];
    private readonly List<JurisdictionRule> jurisdiction = [];
    private readonly List<RedactionRule> redaction = [];
    private readonly Dictionary<string, QuotaLimits> quotas = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LocalClientRegistration> clients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PolicyRuleSource> ruleNames = new(StringComparer.Ordinal);

    public void ReadMasks(PolicyYamlReader reader, YamlNode section)
    {
        foreach (var (key, value) in reader.Mapping(section, "masks").Children)
        {
            var name = Name(reader, key, "mask");
            var bit = reader.Long(value, $"mask '{name}'", 0, 63);
            if (masks.ContainsKey(name) || masks.ContainsValue(1UL << (int)bit))
            {
                throw reader.Error(key, $"mask '{name}' or bit {bit} is defined twice");
            }

            masks[name] = 1UL << (int)bit;
        }
    }

    public void ReadTenants(PolicyYamlReader reader, YamlNode section)
    {
        foreach (var map in reader.MappingList(section, "tenants"))
        {
            reader.AllowOnly(map, "id", "issuer", "audience", "region", "description");
            var id = Name(reader, map, reader.RequiredString(map, "id"), "tenant id");
            var issuerText = reader.RequiredString(map, "issuer");
            if (!Uri.TryCreate(issuerText, UriKind.Absolute, out var issuer)
                || !(issuer.Scheme == Uri.UriSchemeHttps || (issuer.Scheme == Uri.UriSchemeHttp && issuer.IsLoopback))
                || !string.IsNullOrEmpty(issuer.Query) || !string.IsNullOrEmpty(issuer.Fragment))
            {
                throw reader.Error(reader.Find(map, "issuer")!, "issuer must be an https URL without query or fragment (http only for loopback)");
            }

            if (tenants.ContainsKey(id) || tenants.Values.Any(t => t.Issuer.OriginalString == issuerText))
            {
                throw reader.Error(map, $"tenant '{id}' or its issuer is registered twice; one issuer decides one tenant");
            }

            var region = Name(reader, map, reader.RequiredString(map, "region"), "region");
            tenants[id] = new TenantRegistration(id, issuer, reader.RequiredString(map, "audience"), region, reader.SourceOf(id, map));
        }
    }

    public void ReadRoles(PolicyYamlReader reader, YamlNode section)
    {
        foreach (var (key, value) in reader.Mapping(section, "roles").Children)
        {
            var name = Name(reader, key, "role");
            var map = reader.Mapping(value, $"role '{name}'");
            reader.AllowOnly(map, "scopes", "readMask", "writeMask", "description");
            if (roles.ContainsKey(name))
            {
                throw reader.Error(key, $"role '{name}' is defined twice");
            }

            var scopes = reader.StringList(map, "scopes", required: true).Select(s => s.Value).ToHashSet(StringComparer.Ordinal);
            roles[name] = new RoleDefinition(name, scopes, Mask(reader, map, "readMask"), Mask(reader, map, "writeMask"), reader.SourceOf(name, key));
        }
    }

    public void ReadRules(PolicyYamlReader reader, YamlNode section)
    {
        foreach (var map in reader.MappingList(section, "rules"))
        {
            reader.AllowOnly(map, "name", "effect", "roles", "actions", "streams", "tenants", "crossTenant", "description");
            var source = RuleSource(reader, map);
            var effect = reader.RequiredString(map, "effect") switch
            {
                "allow" => RuleEffect.Allow,
                "deny" => RuleEffect.Deny,
                _ => throw reader.Error(reader.Find(map, "effect")!, "effect must be 'allow' or 'deny'"),
            };
            var actions = reader.StringList(map, "actions", required: true)
                .Select(a => ActionNames.TryGetValue(a.Value, out var action)
                    ? action
                    : throw reader.Error(a.Node, $"unknown action '{a.Value}'; expected one of: {string.Join(", ", ActionNames.Keys)}"))
                .ToHashSet();
            rules.Add(new AccessRule(source, effect, RoleSet(reader, map), actions, Patterns(reader, map, "streams", '/', required: true),
                Tenants(reader, map), reader.OptionalBool(map, "crossTenant")));
        }
    }

    public void ReadJurisdiction(PolicyYamlReader reader, YamlNode section)
    {
        foreach (var map in reader.MappingList(section, "jurisdiction"))
        {
            reader.AllowOnly(map, "name", "streams", "tenants", "readFrom", "description");
            var source = RuleSource(reader, map);
            var regions = reader.StringList(map, "readFrom", required: true).Select(r => r.Value).ToHashSet(StringComparer.Ordinal);
            jurisdiction.Add(new JurisdictionRule(source, Patterns(reader, map, "streams", '/', required: true), Tenants(reader, map), regions));
        }
    }

    public void ReadRedaction(PolicyYamlReader reader, YamlNode section)
    {
        foreach (var map in reader.MappingList(section, "redaction"))
        {
            reader.AllowOnly(map, "name", "fields", "streams", "tenants", "exemptRoles", "description");
            var source = RuleSource(reader, map);
            var streams = reader.Find(map, "streams") is null ? [GlobPattern.Compile("**", '/')] : Patterns(reader, map, "streams", '/', required: true);
            redaction.Add(new RedactionRule(source, streams, Tenants(reader, map), Patterns(reader, map, "fields", '.', required: true),
                RoleSet(reader, map, "exemptRoles", required: false)));
        }
    }

    public void ReadQuotas(PolicyYamlReader reader, YamlNode section)
    {
        foreach (var map in reader.MappingList(section, "quotas"))
        {
            reader.AllowOnly(map, "name", "tenant", "entriesPerSecond", "burst", "bytesPerDay", "description");
            var source = RuleSource(reader, map);
            var tenant = reader.RequiredString(map, "tenant");
            if (tenant != PolicySet.AnyTenant && !tenants.ContainsKey(tenant))
            {
                throw reader.Error(reader.Find(map, "tenant")!, $"unknown tenant '{tenant}'");
            }

            if (!quotas.TryAdd(tenant, new QuotaLimits(
                    reader.OptionalLong(map, "entriesPerSecond", 1, 10_000_000),
                    reader.OptionalLong(map, "burst", 1, 100_000_000),
                    reader.OptionalLong(map, "bytesPerDay", 1, long.MaxValue / 2),
                    source)))
            {
                throw reader.Error(map, $"tenant '{tenant}' has a second quota rule");
            }
        }
    }

    public void ReadClients(PolicyYamlReader reader, YamlNode section)
    {
        var knownScopes = roles.Values.SelectMany(r => r.Scopes).ToHashSet(StringComparer.Ordinal);
        foreach (var map in reader.MappingList(section, "clients"))
        {
            reader.AllowOnly(map, "id", "secretHash", "tenant", "scopes", "description");
            var id = Name(reader, map, reader.RequiredString(map, "id"), "client id");
            var hash = reader.RequiredString(map, "secretHash");
            if (!ClientSecretHash.IsWellFormed(hash))
            {
                throw reader.Error(reader.Find(map, "secretHash")!, "secretHash must be pbkdf2-sha256:ITERATIONS(>=10000):SALT:HASH (see ClientSecretHash)");
            }

            var tenant = reader.RequiredString(map, "tenant");
            if (!tenants.ContainsKey(tenant))
            {
                throw reader.Error(reader.Find(map, "tenant")!, $"unknown tenant '{tenant}'");
            }

            var scopes = reader.StringList(map, "scopes", required: true);
            if (scopes.FirstOrDefault(s => !knownScopes.Contains(s.Value)) is { Node: not null } unknown)
            {
                throw reader.Error(unknown.Node, $"scope '{unknown.Value}' grants no role");
            }

            if (!clients.TryAdd(id, new LocalClientRegistration(id, hash, tenant, scopes.Select(s => s.Value).ToHashSet(StringComparer.Ordinal), reader.SourceOf(id, map))))
            {
                throw reader.Error(map, $"client '{id}' is defined twice");
            }
        }
    }

    public PolicySet Build(string revision, IReadOnlyList<string> files) =>
        new(revision, files, masks, tenants, roles, rules, jurisdiction, redaction, quotas, clients);

    private static string Name(PolicyYamlReader reader, YamlNode node, string what) =>
        Name(reader, node, (node as YamlScalarNode)?.Value ?? string.Empty, what);

    private static string Name(PolicyYamlReader reader, YamlNode node, string name, string what) =>
        PolicyLoader.NamePattern().IsMatch(name)
            ? name
            : throw reader.Error(node, $"{what} '{name}' must be lowercase letters, digits, '.', '_' or '-' (at most 64)");

    private PolicyRuleSource RuleSource(PolicyYamlReader reader, YamlMappingNode map)
    {
        var name = Name(reader, map, reader.RequiredString(map, "name"), "rule name");
        var source = reader.SourceOf(name, map);
        if (!ruleNames.TryAdd(name, source))
        {
            throw reader.Error(map, $"rule name '{name}' is already used by {ruleNames[name]}");
        }

        return source;
    }

    private HashSet<string> RoleSet(PolicyYamlReader reader, YamlMappingNode map, string key = "roles", bool required = true) =>
        reader.StringList(map, key, required)
            .Select(r => roles.ContainsKey(r.Value) ? r.Value : throw reader.Error(r.Node, $"unknown role '{r.Value}'"))
            .ToHashSet(StringComparer.Ordinal);

    private HashSet<string>? Tenants(PolicyYamlReader reader, YamlMappingNode map)
    {
        var list = reader.StringList(map, "tenants", required: false);
        return list.Count == 0
            ? null
            : list.Select(t => tenants.ContainsKey(t.Value) ? t.Value : throw reader.Error(t.Node, $"unknown tenant '{t.Value}'"))
                .ToHashSet(StringComparer.Ordinal);
    }

    private ulong Mask(PolicyYamlReader reader, YamlMappingNode map, string key) =>
        reader.StringList(map, key, required: false).Aggregate(0UL, (mask, bit) => mask | (bit.Value == "*"
            ? masks.Values.Aggregate(0UL, (all, b) => all | b)
            : masks.TryGetValue(bit.Value, out var value) ? value : throw reader.Error(bit.Node, $"unknown mask '{bit.Value}'")));

    private static List<GlobPattern> Patterns(PolicyYamlReader reader, YamlMappingNode map, string key, char separator, bool required) =>
        reader.StringList(map, key, required).Select(p => GlobPattern.Compile(p.Value, separator)).ToList();
}
