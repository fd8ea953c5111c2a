using System.Net;
using LogService.Replication.Transport;

namespace LogService.Replication.Tcp;

/// <summary>An <see cref="ITransport"/> over authenticated TCP links, with its counters.</summary>
public interface ITcpTransport : ITransport
{
    /// <summary>Messages refused by <see cref="ITransport.TrySend"/> (full queue, unknown or unconnected peer).</summary>
    long DroppedMessages { get; }

    /// <summary>Where a replica transport listens once started (useful with port 0); null for clients.</summary>
    IPEndPoint? LocalEndPoint { get; }
}

/// <summary>Creates TCP transports for replicas and clients.</summary>
public static class TcpTransport
{
    /// <summary>
    /// A replica's transport: it listens, dials the replicas with higher ids (one connection per replica pair), accepts
    /// clients, and replies to a client over the client's own connection.
    /// </summary>
    public static ITcpTransport CreateReplica(TcpTransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!NodeIds.IsReplica(options.Self))
        {
            throw new ArgumentException("a replica's id must be below NodeIds.FirstClientId", nameof(options));
        }

        return new ReplicaTcpTransport(options);
    }

    /// <summary>
    /// Transports for the clients <c>Self .. Self + SelfIdCount - 1</c> of one process. They share one authenticated
    /// connection per replica, so replies to many clients travel in the same socket writes. Each is started and
    /// disposed on its own; the connections close with the last one.
    /// </summary>
    public static IReadOnlyList<ITcpTransport> CreateClients(TcpTransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Self < NodeIds.FirstClientId)
        {
            throw new ArgumentException("client ids start at NodeIds.FirstClientId", nameof(options));
        }

        return new ClientTcpGroup(options).Endpoints;
    }
}
