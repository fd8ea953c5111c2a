using System.Security.Cryptography;
using LogService.Core.Commands;
using LogService.Core.KeyService;
using LogService.Core.Replica;
using LogService.Server.Hosting;
using LogService.Storage;

namespace LogService.Server.Streams;

/// <summary>
/// Creates streams on the replica that hosts the key service T (DESIGN §6): T draws A_0, keeps it in the
/// <see cref="InitialSecretVault"/>, wraps it to every replica's key-agreement key and has the replicas order the
/// create command. Creations are serialized; a creation whose outcome stayed unknown (no quorum in time) is retried
/// with the same A_0, so whichever attempt commits, T holds the stream's secret.
/// </summary>
public sealed class StreamCreator(StreamKeyService keyService, InitialSecretVault vault, ICommandGateway gateway, ClusterDirectory directory, ILogStore store)
{
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>Creates <c>tenant/name</c> and returns the replicas' agreeing replies (f+1).</summary>
    /// <exception cref="QuorumUnavailableException">No quorum in time; retrying is safe.</exception>
    public async Task<CommandQuorum> CreateAsync(string tenant, string name, RetentionPolicy retention, CancellationToken cancellationToken)
    {
        var streamId = StreamIds.Compose(tenant, name);
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (command, retried) = PrepareCommand(tenant, name, retention, streamId);
            var quorum = await gateway.SubmitAsync(command, directory.F + 1, cancellationToken).ConfigureAwait(false);
            if (quorum.Agreed.Outcome == CommandOutcome.Committed)
            {
                vault.Commit(streamId);
            }
            else if (retried && store.GetHead(streamId) is not null)
            {
                // The earlier attempt, whose outcome was unknown, committed the stream with this very A_0.
                vault.Commit(streamId);
            }
            else if (!vault.Contains(streamId))
            {
                vault.Discard(streamId);
            }

            return quorum;
        }
        finally
        {
            _one.Release();
        }
    }

    private (CreateStreamCommand Command, bool Retried) PrepareCommand(string tenant, string name, RetentionPolicy retention, string streamId)
    {
        var pending = new byte[32];
        if (!vault.Contains(streamId) && vault.TryReadPending(streamId, pending))
        {
            var envelopes = directory.PublicKeys.Select(r => StreamSecretEnvelope.Wrap(pending, r.KeyAgreementKey, streamId, r.ReplicaId)).ToArray();
            CryptographicOperations.ZeroMemory(pending);
            return (new CreateStreamCommand(tenant, name, retention, envelopes), true);
        }

        var command = keyService.PrepareStream(tenant, name, retention, directory.PublicKeys, out var secret);
        try
        {
            if (!vault.Contains(streamId))
            {
                vault.WritePending(streamId, secret);
            }

            return (command, false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }
}
