using LogService.Core.Commands;
using LogService.Core.Entries;
using LogService.Core.Replica;
using LogService.Server.Hosting;
using LogService.Server.Streams;
using LogService.Storage;

namespace LogService.Server.Reading;

/// <summary>
/// Appends audit records to <c>{tenant}/_audit</c> as ordered commands through the command gateway, creating the
/// stream through T on first use where this replica hosts T. Written by the service, never by a token.
/// </summary>
internal sealed class GatewayAuditWriter(ICommandGateway gateway, ClusterDirectory directory, IServiceProvider services) : IReadAuditWriter
{
    /// <summary>W of audit entries: the policy's <c>security</c> and <c>audit</c> bits (tenant admins and auditors).</summary>
    public const ulong AuditMask = (1UL << 2) | (1UL << 3);

    public const string StreamName = "_audit";

    public async Task AppendAsync(string tenant, IReadOnlyList<ReadAuditRecord> records, CancellationToken cancellationToken)
    {
        var streamId = StreamIds.Compose(tenant, StreamName);
        var command = new AppendEntriesCommand(streamId, new WriterIdentity(tenant, "logservice", $"replica-{directory.SelfId}", "audit"),
            Guid.NewGuid().ToString("N"), AuditMask, [.. records.Select(r => EntryCodec.EncodeDraft(r.ToDraft()))]);
        var reply = (await gateway.SubmitAsync(command, directory.F + 1, cancellationToken)).Agreed;
        if (reply.Outcome == CommandOutcome.Rejected && services.GetService<StreamCreator>() is { } creator
            && services.GetRequiredService<ILogStore>().GetHead(streamId) is null)
        {
            await creator.CreateAsync(tenant, StreamName, RetentionPolicy.KeepAll, cancellationToken);
            reply = (await gateway.SubmitAsync(command, directory.F + 1, cancellationToken)).Agreed;
        }

        if (reply.Outcome == CommandOutcome.Rejected)
        {
            throw new InvalidOperationException($"{streamId} refused the audit records: {reply.Reason}");
        }
    }
}
