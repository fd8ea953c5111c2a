using System.Text.Json;
using LogService.Client.Models;
using LogService.Client.Offline;

namespace LogService.Client;

public sealed partial class LogServiceClient
{
    /// <summary>
    /// Exports a stream for offline verification: the latest certified head (checked: 2f+1 signatures), then every
    /// sealed entry from the open entry up to it. <paramref name="progress"/> receives the entries fetched so far.
    /// </summary>
    public async Task<ExportBundle> ExportAsync(string streamId, IProgress<(long Done, long Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        var head = await GetCertifiedHeadAsync(streamId, cancellationToken).ConfigureAwait(false);
        var total = head.Statement.LastSequence + 1;
        var entries = new List<SealedRecord>((int)Math.Min(total, 1_000_000));
        await foreach (var record in GetSealedAsync(streamId, 0, head.Statement.LastSequence, cancellationToken).ConfigureAwait(false))
        {
            if (record.Sequence != entries.Count)
            {
                throw new IntegrityException($"the replica sent entry {record.Sequence} where {entries.Count} was expected");
            }

            entries.Add(record);
            if ((entries.Count & 255) == 0)
            {
                progress?.Report((entries.Count, total));
            }
        }

        progress?.Report((entries.Count, total));
        if (entries.Count != total)
        {
            throw new IntegrityException($"the certified head covers {total} entries but the replicas sent {entries.Count}");
        }

        using var keys = JsonDocument.Parse(KeySet.ToJson());
        return new ExportBundle
        {
            Format = ExportBundle.CurrentFormat,
            StreamId = streamId,
            ExportedAt = DateTimeOffset.UtcNow,
            Replicas = keys.RootElement.Clone(),
            CertifiedHead = head.Answer,
            Entries = entries,
        };
    }
}
