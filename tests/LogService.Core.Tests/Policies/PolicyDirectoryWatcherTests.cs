using LogService.Core.Policies;

namespace LogService.Core.Tests.Policies;

public sealed class PolicyDirectoryWatcherTests : IDisposable
{
    private static readonly TimeSpan ReloadWait = TimeSpan.FromSeconds(20);
    private readonly TemporaryPolicyDirectory directory = new();
    private readonly IPolicySource source;

    public PolicyDirectoryWatcherTests() =>
        source = PolicyEngine.Watch(new PolicyOptions { Directory = directory.Path, ReloadDebounce = TimeSpan.FromMilliseconds(50) });

    public void Dispose()
    {
        source.Dispose();
        directory.Dispose();
    }

    [Fact]
    public void AnInvalidDirectoryFailsAtStart()
    {
        directory.Write("broken.policy.yaml", "version: 1\nroles: []\n");

        var error = Assert.Throws<PolicyValidationException>(() => PolicyEngine.Watch(new PolicyOptions { Directory = directory.Path }));

        Assert.Equal(("broken.policy.yaml", 2), (error.File, error.Line));
    }

    [Fact]
    public async Task AChangedFileIsPutInForceWithoutRestart()
    {
        var pdp = PolicyEngine.DecisionPoint(source);
        var writer = Principals.Of("tenant-a", "eu", "logs.write");
        Assert.False(pdp.Authorize(writer, PolicyAction.Write, new("tenant-a", "infra/nodes")).Allowed);

        var reloaded = await ReloadAfter(() => directory.Write("infra.policy.yaml", """
            version: 1
            rules:
              - name: writers-write-infra
                effect: allow
                roles: [writer]
                actions: [write]
                streams: ['infra/*']
            """));

        Assert.Null(reloaded.Error);
        var decision = pdp.Authorize(writer, PolicyAction.Write, new("tenant-a", "infra/nodes"));
        Assert.True(decision.Allowed);
        Assert.Equal(("writers-write-infra", "infra.policy.yaml"), (decision.DecidedBy.Rule, decision.DecidedBy.File));
    }

    [Fact]
    public async Task AnInvalidChangeIsReportedAndTheLastGoodPolicyStaysInForce()
    {
        var before = source.Current;

        var reloaded = await ReloadAfter(() => directory.Write("main.policy.yaml", TemporaryPolicyDirectory.TwoTenants.Replace("roles: [reviewer]", "roles: [reveiwer]", StringComparison.Ordinal)));

        Assert.NotNull(reloaded.Error);
        Assert.Equal("main.policy.yaml", reloaded.Error.File);
        Assert.Equal(LineOf(TemporaryPolicyDirectory.TwoTenants, "roles: [reviewer]"), reloaded.Error.Line);
        Assert.Contains("unknown role 'reveiwer'", reloaded.Error.Reason, StringComparison.Ordinal);
        Assert.Same(before, source.Current);
        Assert.Same(reloaded.Error, source.LastError);
        Assert.True(PolicyEngine.DecisionPoint(source).Authorize(Principals.Of("tenant-a", "eu", "logs.read"), PolicyAction.Read, new("tenant-a", "app/x")).Allowed);
    }

    private async Task<PolicyReloadedEventArgs> ReloadAfter(Action change)
    {
        var outcome = new TaskCompletionSource<PolicyReloadedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Reloaded += (_, e) => outcome.TrySetResult(e);
        change();
        return await outcome.Task.WaitAsync(ReloadWait);
    }

    private static int LineOf(string text, string fragment) =>
        text.Split('\n').Select((line, index) => (line, index)).First(l => l.line.Contains(fragment, StringComparison.Ordinal)).index + 1;
}
