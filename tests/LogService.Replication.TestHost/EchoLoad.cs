using System.Diagnostics;
using LogService.Replication.Tcp;
using LogService.Replication.Transport;

namespace LogService.Replication.TestHost;

/// <summary>
/// Closed-loop clients against an <see cref="EchoServer"/>: each sends a message, and sends the next one from the
/// transport's own thread as soon as the echo arrives. Measures the transport alone (baseline for the benchmark).
/// </summary>
internal static class EchoLoad
{
    public static async Task<(double OpsPerSecond, LatencyRecorder Latencies)> RunAsync(
        ClusterConfig cluster, int server, int clients, int size, TimeSpan warmUp, TimeSpan duration)
    {
        var recorder = new LatencyRecorder();
        var transports = TcpTransport.CreateClients(cluster.ClientTransport(NodeIds.FirstClientId, clients));
        var loops = transports.Select(t => new Loop(t, server, new byte[size], recorder)).ToArray();
        foreach (var loop in loops)
        {
            await loop.Transport.StartAsync(loop, CancellationToken.None);
        }

        try
        {
            foreach (var loop in loops)
            {
                loop.Send();
            }

            await Task.Delay(warmUp);
            recorder.Start();
            var clock = Stopwatch.StartNew();
            await Task.Delay(duration);
            recorder.Stop();
            return (recorder.Count / clock.Elapsed.TotalSeconds, recorder);
        }
        finally
        {
            foreach (var loop in loops)
            {
                loop.Stop();
                await loop.Transport.DisposeAsync();
            }
        }
    }

    private sealed class Loop(ITransport transport, int server, byte[] message, LatencyRecorder recorder) : IMessageConsumer
    {
        private long _sentAt;
        private volatile bool _stopped;
        private Timer? _retry;

        public ITransport Transport => transport;

        public void Send()
        {
            _sentAt = Stopwatch.GetTimestamp();
            if (!transport.TrySend(server, message))
            {
                // The shared queue is full or the link not up yet: try again shortly rather than spin.
                _retry ??= new Timer(_ => Send());
                _retry.Change(1, Timeout.Infinite);
            }
        }

        public void Stop()
        {
            _stopped = true;
            _retry?.Dispose();
        }

        public void OnMessage(int from, ReadOnlySpan<byte> reply)
        {
            recorder.Record(_sentAt);
            if (!_stopped)
            {
                Send();
            }
        }

        public void OnPeerFault(int from, PeerFault fault, string detail) =>
            Console.Error.WriteLine($"echo client: fault from {from}: {fault} {detail}");
    }
}
