using LogService.Core.Policies;

namespace LogService.Core.Tests.Policies;

public sealed class PolicySetTests
{
    [Fact]
    public void ThePublishedExamplePoliciesLoad()
    {
        var policy = PolicySet.Load(Path.Combine(RepositoryRoot(), "policies"));

        Assert.Contains("local", policy.Tenants.Keys);
        Assert.Contains("local-writer", policy.LocalClients.Keys);
        Assert.Equal(3, policy.Files.Count);
        Assert.NotNull(policy.QuotaFor("local").EntriesPerSecond);
    }

    [Fact]
    public void ThePublishedPoliciesDecideAsTheirReadmeSays()
    {
        var pdp = PolicyEngine.DecisionPoint(PolicyEngine.Fixed(PolicySet.Load(Path.Combine(RepositoryRoot(), "policies"))));

        var write = pdp.Authorize(Principals.Of("local", "eu", "logs.write"), PolicyAction.Write, new("local", "app/orders"));
        var readAbroad = pdp.Authorize(Principals.Of("local", "us", "logs.read"), PolicyAction.Read, new("local", "app/orders"));
        var writeSystem = pdp.Authorize(Principals.Of("local", "eu", "logs.write"), PolicyAction.Write, new("local", "_system/bft"));

        Assert.StartsWith("allowed by rule writers-write-own-streams in file access.policy.yaml:44", write.ToString());
        Assert.Equal(("entries-are-read-in-their-region", false), (readAbroad.DecidedBy.Rule, readAbroad.Allowed));
        Assert.Equal(("system-streams-are-written-by-the-service-only", false), (writeSystem.DecidedBy.Rule, writeSystem.Allowed));
    }

    [Fact]
    public void TheTenantIsFoundByItsExactIssuer()
    {
        using var directory = new TemporaryPolicyDirectory();
        var policy = PolicySet.Load(directory.Path);

        Assert.Equal("tenant-b", policy.TenantByIssuer("https://idp.b.example/")?.Id);
        Assert.Null(policy.TenantByIssuer("https://idp.b.example"));
    }

    [Fact]
    public void QuotasFallBackToTheWildcardThenToNone()
    {
        using var directory = new TemporaryPolicyDirectory();
        var policy = PolicySet.Load(directory.Path);

        Assert.Equal(10, policy.QuotaFor("tenant-a").EntriesPerSecond);
        Assert.Same(QuotaLimits.Unlimited, policy.QuotaFor("tenant-b"));
    }

    [Fact]
    public void TheRevisionChangesWithTheFiles()
    {
        using var directory = new TemporaryPolicyDirectory();
        var before = PolicySet.Load(directory.Path).Revision;
        directory.Write("extra.policy.yaml", "version: 1\n");

        Assert.NotEqual(before, PolicySet.Load(directory.Path).Revision);
    }

    [Theory]
    [InlineData("version: 1\nrules:\n  - name: r\n    effect: allow\n    roles: [nobody]\n    actions: [read]\n    streams: ['**']\n", 5, "unknown role 'nobody'")]
    [InlineData("version: 1\nmasks:\n  app: 0\ncolour: blue\n", 4, "unknown key 'colour'")]
    [InlineData("version: 2\n", 1, "unsupported version")]
    [InlineData("version: 1\ntenants:\n  - id: t\n    issuer: http://idp.example/\n    audience: a\n    region: eu\n", 4, "https")]
    [InlineData("version: 1\nmasks:\n  app: 64\n", 3, "must be an integer from 0 to 63")]
    [InlineData("version: 1\nmasks: [app\n", 3, "not valid YAML")]
    [InlineData("version: 1\nrules:\n  - name: r\n    effect: permit\n    roles: []\n    actions: [read]\n    streams: ['**']\n", 4, "effect must be 'allow' or 'deny'")]
    public void AnInvalidFileIsRejectedWithFileLineAndReason(string content, int line, string reason)
    {
        using var directory = new TemporaryPolicyDirectory();
        directory.Write("broken.policy.yaml", content);

        var error = Assert.Throws<PolicyValidationException>(() => PolicySet.Load(directory.Path));

        Assert.Equal("broken.policy.yaml", error.File);
        Assert.Equal(line, error.Line);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void OneIssuerCannotBeRegisteredForTwoTenants()
    {
        using var directory = new TemporaryPolicyDirectory();
        directory.Write("more.policy.yaml", "version: 1\ntenants:\n  - id: tenant-c\n    issuer: https://idp.a.example/\n    audience: x\n    region: eu\n");

        var error = Assert.Throws<PolicyValidationException>(() => PolicySet.Load(directory.Path));

        Assert.Equal(("more.policy.yaml", 3), (error.File, error.Line));
    }

    [Fact]
    public void ARuleNameIsUniqueAcrossFiles()
    {
        using var directory = new TemporaryPolicyDirectory();
        directory.Write("more.policy.yaml", "version: 1\nquotas:\n  - name: reviewers-read\n    tenant: tenant-b\n");

        var error = Assert.Throws<PolicyValidationException>(() => PolicySet.Load(directory.Path));

        Assert.Contains("already used by rule reviewers-read in file main.policy.yaml", error.Reason, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
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
