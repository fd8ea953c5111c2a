using LogService.Core.Policies;
using Microsoft.Extensions.Options;
using YamlDotNet.RepresentationModel;

namespace LogService.Server.Identity;

/// <summary>A person who may sign in at the local issuer's form, with the tenant and scopes their tokens carry.</summary>
/// <param name="Name">The user name typed into the form; it becomes the token's <c>sub</c>.</param>
/// <param name="Tenant">The tenant whose audience the tokens name.</param>
/// <param name="PasswordHash">The password's hash, in the format of <see cref="ClientSecretHash"/>.</param>
/// <param name="Scopes">The scopes the user's tokens carry.</param>
internal sealed record LocalUser(string Name, string Tenant, string PasswordHash, IReadOnlyList<string> Scopes);

/// <summary>An application that signs people in with the authorization-code flow: a public client, so PKCE stands in for a secret.</summary>
/// <param name="ClientId">The client id.</param>
/// <param name="RedirectUris">Where codes may be sent. A loopback URI matches on any port (RFC 8252 §7.3).</param>
internal sealed record SignInClient(string ClientId, IReadOnlyList<Uri> RedirectUris)
{
    public bool Allows(string redirectUri)
    {
        if (!Uri.TryCreate(redirectUri, UriKind.Absolute, out var candidate) || !string.IsNullOrEmpty(candidate.Fragment))
        {
            return false;
        }

        return RedirectUris.Any(allowed => allowed.IsLoopback && candidate.IsLoopback
            ? allowed.Scheme == candidate.Scheme && allowed.Host == candidate.Host && allowed.AbsolutePath == candidate.AbsolutePath
            : allowed.AbsoluteUri == candidate.AbsoluteUri);
    }
}

/// <summary>
/// The users and sign-in clients of the local issuer, read from <c>local-users.yaml</c> in the policy directory on
/// every use, so an edit takes effect at the next sign-in. Not a policy file: it holds identities, not rules.
/// </summary>
internal sealed class LocalSignInDirectory(IOptions<PolicyOptions> policyOptions)
{
    public const string FileName = "local-users.yaml";

    public (IReadOnlyDictionary<string, LocalUser> Users, IReadOnlyDictionary<string, SignInClient> Clients) Read()
    {
        var path = Path.Combine(policyOptions.Value.Directory, FileName);
        if (!File.Exists(path))
        {
            return (new Dictionary<string, LocalUser>(), new Dictionary<string, SignInClient>());
        }

        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }

        var root = stream.Documents.Count == 0 ? new YamlMappingNode() : (YamlMappingNode)stream.Documents[0].RootNode;
        var users = Items(root, "users").Select(u => new LocalUser(
            Text(u, "name"), Text(u, "tenant"), Text(u, "passwordHash"), List(u, "scopes"))).ToDictionary(u => u.Name, StringComparer.Ordinal);
        var clients = Items(root, "signInClients").Select(c => new SignInClient(
            Text(c, "id"), List(c, "redirectUris").Select(u => new Uri(u, UriKind.Absolute)).ToList())).ToDictionary(c => c.ClientId, StringComparer.Ordinal);
        return (users, clients);
    }

    private static IEnumerable<YamlMappingNode> Items(YamlMappingNode root, string key) =>
        root.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlSequenceNode list
            ? list.Children.OfType<YamlMappingNode>()
            : [];

    private static string Text(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode { Value: { Length: > 0 } value }
            ? value
            : throw new InvalidDataException($"{FileName}: every entry needs '{key}' (line {map.Start.Line})");

    private static IReadOnlyList<string> List(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlSequenceNode list
            ? list.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty).ToList()
            : [];
}
