using LogService.Core.Policies;

namespace LogService.Core.Tests.Policies;

public sealed class PolicyDecisionPointTests : IDisposable
{
    private readonly TemporaryPolicyDirectory directory = new();
    private readonly IPolicyDecisionPoint pdp;

    public PolicyDecisionPointTests() => pdp = PolicyEngine.DecisionPoint(PolicyEngine.Fixed(PolicySet.Load(directory.Path)));

    public void Dispose() => directory.Dispose();

    [Fact]
    public void AWriterMayWriteItsOwnAppStreamAndTheDecisionNamesRuleAndFile()
    {
        var decision = pdp.Authorize(Principals.Of("tenant-a", "eu", "logs.write"), PolicyAction.Write, new("tenant-a", "app/orders"));

        Assert.True(decision.Allowed);
        Assert.Equal("writers-write-app-streams", decision.DecidedBy.Rule);
        Assert.Equal("main.policy.yaml", decision.DecidedBy.File);
        Assert.True(decision.DecidedBy.Line > 0);
        Assert.StartsWith("allowed by rule writers-write-app-streams in file main.policy.yaml:", decision.ToString());
    }

    [Fact]
    public void WhatNoRuleAllowsIsDeniedByDefault()
    {
        var decision = pdp.Authorize(Principals.Of("tenant-a", "eu", "logs.write"), PolicyAction.Write, new("tenant-a", "infra/nodes"));

        Assert.False(decision.Allowed);
        Assert.Equal("default-deny", decision.DecidedBy.Rule);
        Assert.Equal(PolicyRuleSource.BuiltIn, decision.DecidedBy.File);
    }

    [Fact]
    public void AWrongRoleIsDenied()
    {
        var decision = pdp.Authorize(Principals.Of("tenant-a", "eu", "logs.read"), PolicyAction.Write, new("tenant-a", "app/orders"));

        Assert.False(decision.Allowed);
        Assert.Equal("default-deny", decision.DecidedBy.Rule);
    }

    [Fact]
    public void ScopesThatGrantNoRoleAreDenied()
    {
        var decision = pdp.Authorize(Principals.Of("tenant-a", "eu", "openid", "profile"), PolicyAction.Read, new("tenant-a", "app/orders"));

        Assert.False(decision.Allowed);
        Assert.Equal("no-role", decision.DecidedBy.Rule);
    }

    [Fact]
    public void AnUnregisteredTenantIsDenied()
    {
        var decision = pdp.Authorize(Principals.Of("tenant-z", "eu", "logs.write"), PolicyAction.Write, new("tenant-z", "app/orders"));

        Assert.False(decision.Allowed);
        Assert.Equal("unknown-tenant", decision.DecidedBy.Rule);
    }

    [Theory]
    [InlineData(PolicyAction.Write, "logs.write")]
    [InlineData(PolicyAction.Read, "logs.read")]
    [InlineData(PolicyAction.Audit, "logs.audit")]
    public void AnotherTenantsStreamsAreDenied(PolicyAction action, string scope)
    {
        var decision = pdp.Authorize(Principals.Of("tenant-b", "eu", scope), action, new("tenant-a", "app/orders"));

        Assert.False(decision.Allowed);
        Assert.Equal("tenant-isolation", decision.DecidedBy.Rule);
    }

    [Fact]
    public void ACrossTenantRuleReachesOnlyTheStreamsItNames()
    {
        var operatorOfB = Principals.Of("tenant-b", "eu", "operator");

        Assert.True(pdp.Authorize(operatorOfB, PolicyAction.Read, new("tenant-a", "_system/bft")).Allowed);
        Assert.Equal("tenant-isolation", pdp.Authorize(operatorOfB, PolicyAction.Read, new("tenant-a", "app/orders")).DecidedBy.Rule);
    }

    [Fact]
    public void TheDeploymentsOwnStreamsAreMatchedByTheirFullId()
    {
        // The capture stream is tenant "_system", name "bft"; policy files name it _system/bft.
        var system = new PolicyResource("_system", "bft");

        Assert.Equal("operators-read-system", pdp.Authorize(Principals.Of("tenant-b", "eu", "operator"), PolicyAction.Read, system).DecidedBy.Rule);
        Assert.True(pdp.Authorize(Principals.Of("tenant-b", "eu", "operator"), PolicyAction.Read, system).Allowed);
        Assert.Equal("tenant-isolation", pdp.Authorize(Principals.Of("tenant-a", "eu", "logs.read"), PolicyAction.Read, system).DecidedBy.Rule);
        Assert.Equal("no-writes-to-system", pdp.Authorize(Principals.Of("tenant-a", "eu", "logs.write"), PolicyAction.Write, system).DecidedBy.Rule);
    }

    [Fact]
    public void ADenyRuleWinsOverAnAllowRule()
    {
        var decision = pdp.Authorize(Principals.Of("tenant-a", "eu", "logs.write"), PolicyAction.Write, new("tenant-a", "_system/bft"));

        Assert.False(decision.Allowed);
        Assert.Equal("no-writes-to-system", decision.DecidedBy.Rule);
    }

    [Theory]
    [InlineData("us")]
    [InlineData(null)]
    public void AReaderOutsideTheStreamsRegionIsDenied(string? readerRegion)
    {
        var decision = pdp.Authorize(Principals.Of("tenant-a", readerRegion, "logs.read"), PolicyAction.Read, new("tenant-a", "app/orders"));

        Assert.False(decision.Allowed);
        Assert.Equal("eu-stays-in-eu", decision.DecidedBy.Rule);
    }

    [Fact]
    public void AStreamsOwnRegionOverridesItsTenantsRegion()
    {
        var reader = Principals.Of("tenant-a", "eu", "logs.read");

        Assert.False(pdp.Authorize(reader, PolicyAction.Read, new("tenant-a", "app/orders", Region: "ch")).Allowed);
        Assert.True(pdp.Authorize(reader, PolicyAction.Read, new("tenant-a", "app/orders")).Allowed);
    }

    [Fact]
    public void TheWriteMaskIsTheGrantingRolesMask()
    {
        var mask = pdp.WriteMaskFor(Principals.Of("tenant-a", "eu", "logs.write", "logs.audit"), new("tenant-a", "app/orders"));

        Assert.True(mask.Decision.Allowed);
        Assert.Equal(0b001UL, mask.Mask);
    }

    [Fact]
    public void ReadMasksDecideWhichEntriesAReaderSees()
    {
        var reviewer = pdp.ReadMaskFor(Principals.Of("tenant-a", "eu", "logs.read"), new("tenant-a", "app/orders")).Mask;
        var auditor = pdp.ReadMaskFor(Principals.Of("tenant-a", "eu", "logs.audit"), new("tenant-a", "app/orders")).Mask;
        const ulong debugEntry = 0b010;

        Assert.False(PermissionMask.MayRead(debugEntry, reviewer));
        Assert.True(PermissionMask.MayRead(debugEntry, auditor));
    }

    [Fact]
    public void ADeniedReadHasAnEmptyMask()
    {
        var mask = pdp.ReadMaskFor(Principals.Of("tenant-b", "us", "logs.read"), new("tenant-a", "app/orders"));

        Assert.Equal(0UL, mask.Mask);
        Assert.False(mask.Decision.Allowed);
    }

    [Fact]
    public void RedactionHidesNestedFieldsFromReviewersButNotFromAuditors()
    {
        var fields = new Dictionary<string, object?>
        {
            ["email"] = "a@example.org",
            ["user"] = new Dictionary<string, object?> { ["id"] = "u1" },
            ["order"] = 42,
        };

        var forReviewer = pdp.Redact(Principals.Of("tenant-a", "eu", "logs.read"), new("tenant-a", "app/orders"), fields);
        var forAuditor = pdp.Redact(Principals.Of("tenant-a", "eu", "logs.audit"), new("tenant-a", "app/orders"), fields);

        Assert.Equal(Redaction.Marker, forReviewer["email"]);
        Assert.Equal(Redaction.Marker, ((IReadOnlyDictionary<string, object?>)forReviewer["user"]!)["id"]);
        Assert.Equal(42, forReviewer["order"]);
        Assert.Equal("a@example.org", forAuditor["email"]);
    }
}
