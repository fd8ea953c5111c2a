namespace LogService.Console.Api;

/// <summary>
/// The calls the console makes to the Log Core service API, as the signed-in reviewer. Every failure is an
/// <see cref="ApiProblemException"/> with a readable reason.
/// </summary>
public interface ILogApi
{
    Task<IReadOnlyList<StreamInfo>> ListStreamsAsync(CancellationToken cancellationToken);

    Task<EntryPage> QueryAsync(EntryQuery query, CancellationToken cancellationToken);

    Task<Histogram> HistogramAsync(EntryQuery query, string bucket, CancellationToken cancellationToken);

    Task<EntryDetail> GetEntryAsync(string streamId, long sequence, CancellationToken cancellationToken);

    Task<VerifyResult> VerifyAsync(string streamId, long from, long to, CancellationToken cancellationToken);

    Task<SignedStatement?> CertifiedHeadAsync(string streamId, CancellationToken cancellationToken);

    Task<ReplicaSet> ReplicasAsync(CancellationToken cancellationToken);

    /// <summary>One replica's own view of the protocol state, asked of that replica.</summary>
    Task<ReplicaStatus> StatusAsync(string replicaUrl, CancellationToken cancellationToken);
}
