using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace LogService.Replication.Tests.Tcp;

/// <summary>
/// A TCP proxy that forwards connections to a target. On the first connection it hands every length-prefixed
/// message of the dialer-to-acceptor direction (handshake messages, then data frames) to <c>tamper</c>, which
/// returns what to forward instead; later connections pass through untouched, so the link can recover.
/// </summary>
internal sealed class TamperingProxy : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly IPEndPoint _target;
    private readonly Func<int, byte[], IEnumerable<byte[]>> _tamper;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _accepting;

    /// <param name="target">Where to forward.</param>
    /// <param name="tamper">Given the message index (0 = handshake hello) and the message with its length prefix.</param>
    public TamperingProxy(IPEndPoint target, Func<int, byte[], IEnumerable<byte[]>> tamper)
    {
        _target = target;
        _tamper = tamper;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _accepting = AcceptAsync();
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Flips one bit of the payload of the first data frame.</summary>
    public static IEnumerable<byte[]> FlipBitInFirstDataFrame(int index, byte[] message)
    {
        if (index == 2)
        {
            message[message.Length / 2] ^= 0x01;
        }

        return [message];
    }

    /// <summary>Forwards the first data frame twice.</summary>
    public static IEnumerable<byte[]> ReplayFirstDataFrame(int index, byte[] message) =>
        index == 2 ? [message, message] : [message];

    /// <summary>Replaces the first data frame's length with one beyond any bound.</summary>
    public static IEnumerable<byte[]> OversizeFirstDataFrame(int index, byte[] message)
    {
        if (index == 2)
        {
            BinaryPrimitives.WriteInt32LittleEndian(message, int.MaxValue);
        }

        return [message];
    }

    /// <summary>
    /// Replaces the first data frame with seeded random bytes behind a length prefix that is either consistent with
    /// them or out of any bound (a prefix that promised more bytes than ever come would only stall the link).
    /// </summary>
    public static Func<int, byte[], IEnumerable<byte[]>> GarbageInsteadOfFirstDataFrame(int seed) => (index, message) =>
    {
        if (index != 2)
        {
            return [message];
        }

        var random = new Random(seed);
        var garbage = new byte[random.Next(8, 200)];
        random.NextBytes(garbage);
        BinaryPrimitives.WriteInt32LittleEndian(garbage, random.Next(2) == 0 ? garbage.Length - 4 : -random.Next(1, int.MaxValue));
        return [garbage];
    };

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        lock (_sockets)
        {
            _sockets.ForEach(s => s.Dispose());
        }

        await _accepting.ContinueWith(_ => { });
    }

    private async Task AcceptAsync()
    {
        var first = true;
        while (!_stop.IsCancellationRequested)
        {
            var inbound = await _listener.AcceptAsync(_stop.Token);
            var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            lock (_sockets)
            {
                _sockets.Add(inbound);
                _sockets.Add(outbound);
            }

            await outbound.ConnectAsync(_target, _stop.Token);
            _ = PumpMessagesAsync(inbound, outbound, first ? _tamper : (_, m) => [m]);
            _ = PumpBytesAsync(outbound, inbound);
            first = false;
        }
    }

    private static async Task PumpMessagesAsync(Socket from, Socket to, Func<int, byte[], IEnumerable<byte[]>> tamper)
    {
        try
        {
            using var source = new NetworkStream(from, ownsSocket: false);
            var prefix = new byte[4];
            for (var index = 0; ; index++)
            {
                await source.ReadExactlyAsync(prefix);
                var message = new byte[4 + BinaryPrimitives.ReadInt32LittleEndian(prefix)];
                prefix.CopyTo(message, 0);
                await source.ReadExactlyAsync(message.AsMemory(4));
                foreach (var forwarded in tamper(index, message))
                {
                    await to.SendAsync(forwarded);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            to.Dispose();
        }
    }

    private static async Task PumpBytesAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read));
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Either side closed.
        }

        to.Dispose();
    }
}
