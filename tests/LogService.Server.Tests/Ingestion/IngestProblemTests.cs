using LogService.Server.Ingestion;

namespace LogService.Server.Tests.Ingestion;

public class IngestProblemTests
{
    [Fact]
    public void ProblemDetailsCarryTheEventFieldAndReason()
    {
        var error = new IngestError(IngestErrorKind.InvalidEntry, "Unknown level 'Loud'.") { EventIndex = 3, LineNumber = 5, Field = "@l" };

        var problem = IngestProblem.ToProblemDetails(error);

        Assert.Equal(400, problem.Status);
        Assert.Equal("urn:logservice:problem:ingest:invalid-entry", problem.Type);
        Assert.Equal("event 3, line 5, field '@l': Unknown level 'Loud'.", problem.Detail);
        Assert.Equal(3, problem.Extensions["eventIndex"]);
        Assert.Equal(5, problem.Extensions["lineNumber"]);
        Assert.Equal("@l", problem.Extensions["field"]);
        Assert.Equal("Unknown level 'Loud'.", problem.Extensions["reason"]);
    }

    [Theory]
    [InlineData(IngestErrorKind.MalformedPayload, 400)]
    [InlineData(IngestErrorKind.EmptyPayload, 400)]
    [InlineData(IngestErrorKind.PayloadTooLarge, 413)]
    [InlineData(IngestErrorKind.EntryTooLarge, 413)]
    [InlineData(IngestErrorKind.TooManyEntries, 413)]
    [InlineData(IngestErrorKind.UnsupportedMediaType, 415)]
    public void EachKindHasItsStatusAndType(IngestErrorKind kind, int status)
    {
        var result = new IngestError(kind, "why").ToHttpResult();

        Assert.Equal(status, result.StatusCode);
        Assert.StartsWith("urn:logservice:problem:ingest:", result.ProblemDetails.Type, StringComparison.Ordinal);
        Assert.False(result.ProblemDetails.Extensions.ContainsKey("eventIndex"));
    }
}
