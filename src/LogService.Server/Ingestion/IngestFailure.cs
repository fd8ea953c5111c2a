namespace LogService.Server.Ingestion;

/// <summary>Unwinds a parse at the first violation; caught at the format boundary and returned as <see cref="IngestResult.Failure"/>.</summary>
internal sealed class IngestFailure(IngestError error) : Exception(error.ToString())
{
    public IngestError Error { get; } = error;
}
