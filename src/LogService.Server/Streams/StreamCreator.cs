using LogService.Core.KeyService;
using LogService.Server.Hosting;
using LogService.Storage;

namespace LogService.Server.Streams;

/// <summary>
/// Creates streams on the replica that hosts the key service T (DESIGN §6): T draws and keeps A_0, wraps it to every
/// replica's key-agreement key, and the replicas order the create command. A retry after an unknown outcome wraps
/// the same A_0 again (<see cref="TrustedKeyService.PrepareStream"/>), so whichever attempt commits, T holds its secret.
/// </summary>
public sealed class StreamCreator(TrustedKeyService keyService, ICommandGateway gateway, ClusterDirectory directory)
{
    /// <summary>Creates <c>tenant/name</c> and returns the replicas' agreeing replies (f+1).</summary>
    /// <exception cref="QuorumUnavailableException">No quorum in time; retrying is safe.</exception>
    public Task<CommandQuorum> CreateAsync(string tenant, string name, RetentionPolicy retention, CancellationToken cancellationToken)
    {
        var command = keyService.PrepareStream(tenant, name, retention, directory.PublicKeys);
        return gateway.SubmitAsync(command, directory.F + 1, cancellationToken);
    }
}
