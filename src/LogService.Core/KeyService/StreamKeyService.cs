using LogService.Core.Commands;
using LogService.Core.Replica;
using LogService.Sealing;
using LogService.Storage;

namespace LogService.Core.KeyService;

/// <summary>
/// The stream key service T (DESIGN §6), run in the trusted cloud: it draws each stream's initial secret A_0 and
/// wraps it to every replica's attested key-agreement key, so the secret enters the replicated log only encrypted.
/// T keeps A_0 itself (for full verification and key release) or escrows it to auditors in Shamir shares.
/// </summary>
public sealed class StreamKeyService(IRandomSource random)
{
    /// <summary>Draws A_0 for a new stream and builds the command that creates it on every replica.</summary>
    /// <param name="tenant">The owning tenant.</param>
    /// <param name="name">The stream name.</param>
    /// <param name="retention">The stream's retention policy.</param>
    /// <param name="replicas">The public keys of every replica, in replica-id order.</param>
    /// <param name="initialSecret">Receives A_0; the caller stores or escrows it, then erases it.</param>
    public CreateStreamCommand PrepareStream(string tenant, string name, RetentionPolicy retention, IReadOnlyList<ReplicaPublicKeys> replicas, out byte[] initialSecret)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        for (var i = 0; i < replicas.Count; i++)
        {
            if (replicas[i].ReplicaId != i)
            {
                throw new ArgumentException($"replica keys must be in id order; position {i} holds replica {replicas[i].ReplicaId}", nameof(replicas));
            }
        }

        var streamId = StreamIds.Compose(tenant, name);
        initialSecret = StreamGenesis.GenerateInitialSecret(random);
        var secret = initialSecret;
        var envelopes = replicas.Select(r => StreamSecretEnvelope.Wrap(secret, r.KeyAgreementKey, streamId, r.ReplicaId)).ToArray();
        return new CreateStreamCommand(tenant, name, retention, envelopes);
    }
}
