using System.Net;
using System.Net.Sockets;
using LogService.Replication.Transport;

namespace LogService.Replication.Tcp;

/// <summary>
/// The lasting state of the path to one peer: its outbound queue, which survives reconnections, and the connection
/// currently serving it. A new connection replaces the old one only after the old writer has stopped, because an
/// <see cref="Outbox"/> has a single writer.
/// </summary>
internal sealed class Link(int peerId, int queueBytes) : IDisposable
{
    private readonly SemaphoreSlim _attachGate = new(1, 1);
    private Connection? _current;

    public int PeerId { get; } = peerId;

    public Outbox Outbox { get; } = new(queueBytes);

    /// <summary>The connection serving the link, if any.</summary>
    public Connection? Current => Volatile.Read(ref _current);

    /// <summary>Closes the current connection, waits for its writer to stop, then starts <paramref name="connection"/>.</summary>
    public async Task AttachAsync(Connection connection)
    {
        await _attachGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _current) is { } old)
            {
                old.Close();
                await old.Completion.ConfigureAwait(false);
            }

            Volatile.Write(ref _current, connection);
            connection.Start();
        }
        finally
        {
            _attachGate.Release();
        }
    }

    /// <summary>Closes the current connection (the queue stays).</summary>
    public void Disconnect() => Current?.Close();

    public void Dispose()
    {
        Disconnect();
        Outbox.Dispose();
    }
}

/// <summary>Keeps a link to a listening replica connected: dial, handshake, wait for the drop, back off, retry.</summary>
internal static class Dialer
{
    /// <summary>Runs until <paramref name="stopping"/> is cancelled.</summary>
    public static async Task RunAsync(
        Link link, IPEndPoint endPoint, byte[] peerKey, LocalIdentity self, TcpTransportOptions options,
        IConnectionOwner owner, CancellationToken stopping)
    {
        var delay = options.ReconnectMinDelay;
        while (!stopping.IsCancellationRequested)
        {
            Socket? socket = null;
            try
            {
                socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                LinkKeys keys;
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping))
                {
                    timeout.CancelAfter(options.HandshakeTimeout);
                    await socket.ConnectAsync(endPoint, timeout.Token).ConfigureAwait(false);
                    using var stream = new NetworkStream(socket, ownsSocket: false);
                    keys = await Handshake.DialAsync(stream, self, link.PeerId, peerKey, timeout.Token).ConfigureAwait(false);
                }

                var connection = new Connection(socket, new Principal(link.PeerId, 1), keys, link.Outbox, owner, options.MaxMessageBytes);
                socket = null;
                await link.AttachAsync(connection).ConfigureAwait(false);
                delay = options.ReconnectMinDelay;
                using (stopping.Register(connection.Close))
                {
                    await connection.Completion.ConfigureAwait(false);
                }
            }
            catch (HandshakeException ex)
            {
                owner.Fault(link.PeerId, PeerFault.HandshakeFailed, ex.Message);
            }
            catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                // Peer not up yet, gone, or too slow: retry after the backoff.
            }
            finally
            {
                socket?.Dispose();
            }

            try
            {
                await Task.Delay(Jitter(delay), stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.ReconnectMaxDelay.Ticks));
        }
    }

    /// <summary>Spreads retries over [delay/2, delay] so that peers restarted together do not dial in lockstep.</summary>
    private static TimeSpan Jitter(TimeSpan delay) => delay / 2 + delay / 2 * Random.Shared.NextDouble();
}
