using LogService.Cli.Demo;
using LogService.Cli.Tests.Support;
using LogService.Sealing.Verification;

namespace LogService.Cli.Tests;

public sealed class SealingDemoTests
{
    private readonly DemoResult _demo = SealingDemo.Run(SealingDemo.DefaultDataEntries, new SeededRandom(1));

    private VerificationReport ReportOf(string name) => _demo.Outcomes.Single(o => o.Name == name).Report;

    [Fact]
    public void TheIntactStreamVerifies()
    {
        var report = ReportOf("intact");

        Assert.True(report.IsValid, report.ToString());
        Assert.Equal(_demo.EntryCount, report.EntriesVerified);
    }

    [Fact]
    public void TheEditedEntryIsFoundWhereItWasEdited()
    {
        var finding = ReportOf("edited").FirstFailure;

        Assert.Equal((_demo.EntryCount * 417 / 1000, VerificationFailure.BrokenLink), (finding!.Position, finding.Failure));
    }

    [Fact]
    public void TheDeletedEntryIsReportedMissing()
    {
        var finding = ReportOf("deleted").FirstFailure;

        Assert.Equal((_demo.EntryCount * 6 / 10, VerificationFailure.Gap), (finding!.Position, finding.Failure));
    }

    [Fact]
    public void TheCutTailIsReportedAgainstTheKnownHead()
    {
        var finding = ReportOf("truncated").FirstFailure;

        Assert.Equal((_demo.EntryCount - 50L, VerificationFailure.Truncated), (finding!.Sequence, finding.Failure));
    }

    [Fact]
    public void EveryOutcomeIsAsExpectedAndTheInclusionProofHolds()
    {
        Assert.All(_demo.Outcomes, outcome => Assert.True(outcome.AsExpected, $"{outcome.Name}: {outcome.Report}"));
        Assert.True(_demo.InclusionProofHolds);
    }
}
