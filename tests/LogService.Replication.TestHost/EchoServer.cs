using LogService.Replication.Transport;

namespace LogService.Replication.TestHost;

/// <summary>Sends every message straight back to its sender: the transport alone, for the benchmark's baseline.</summary>
internal sealed class EchoServer(Func<ITransport> transport) : IMessageConsumer
{
    public void OnMessage(int from, ReadOnlySpan<byte> message) => transport().TrySend(from, message);

    public void OnPeerFault(int from, PeerFault fault, string detail) =>
        Console.Error.WriteLine($"echo: fault from {from}: {fault} {detail}");
}
