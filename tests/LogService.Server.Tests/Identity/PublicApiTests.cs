using LogService.Core.Policies;
using LogService.Server.Identity;
using LogService.Server.Tests.Support;

namespace LogService.Server.Tests.Identity;

/// <summary>Changes to the public policy and identity API are deliberate: update the approved files with them.</summary>
public sealed class PublicApiTests
{
    [Fact]
    public void ThePolicyApiIsTheApprovedOne() =>
        PublicApi.Approve(PublicApi.Describe(typeof(IPolicyDecisionPoint).Assembly, "LogService.Core.Policies"),
            "tests/LogService.Server.Tests/Identity/PolicyApi.approved.txt");

    [Fact]
    public void TheIdentityApiIsTheApprovedOne() =>
        PublicApi.Approve(PublicApi.Describe(typeof(LogServiceAuthentication).Assembly, "LogService.Server.Identity"),
            "tests/LogService.Server.Tests/Identity/IdentityApi.approved.txt");
}
