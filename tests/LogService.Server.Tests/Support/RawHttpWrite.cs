using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace LogService.Server.Tests.Support;

/// <summary>
/// A POST written by hand on its own TCP connection, so a test controls when (and whether) its declared body arrives:
/// a body that trickles, stops, or is cut off by a client that goes away.
/// </summary>
internal sealed class RawHttpWrite : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private RawHttpWrite(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>Connects to <paramref name="server"/> and sends the request head alone, declaring <paramref name="contentLength"/> body bytes.</summary>
    public static async Task<RawHttpWrite> StartAsync(Uri server, string path, string token, string contentType, long contentLength)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(server.Host, server.Port);
        var write = new RawHttpWrite(tcp);
        var head = string.Create(CultureInfo.InvariantCulture,
            $"POST {path} HTTP/1.1\r\nHost: {server.Authority}\r\nAuthorization: Bearer {token}\r\nContent-Type: {contentType}\r\nContent-Length: {contentLength}\r\n\r\n");
        await write.SendAsync(Encoding.ASCII.GetBytes(head));
        return write;
    }

    /// <summary>Sends part of the body.</summary>
    public async Task SendAsync(byte[] bytes, CancellationToken cancellationToken = default)
    {
        await _stream.WriteAsync(bytes, cancellationToken);
        await _stream.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Sends <paramref name="chunk"/> bytes of JSON whitespace every <paramref name="every"/> until cancelled or the
    /// server closes: fast enough for Kestrel's minimum body data rate, far too slow to finish a large body.
    /// </summary>
    public async Task TrickleAsync(int chunk, TimeSpan every, CancellationToken cancellationToken)
    {
        var spaces = Encoding.ASCII.GetBytes(new string(' ', chunk));
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await SendAsync(spaces, cancellationToken);
                await Task.Delay(every, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
        {
            // Stopped by the test, or the server answered and closed the connection.
        }
    }

    /// <summary>The status code of the server's answer, once it comes.</summary>
    public async Task<int> ReadStatusAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (!line.ToString().EndsWith("\r\n", StringComparison.Ordinal))
        {
            if (await _stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new IOException($"the server closed the connection without answering (read so far: '{line}')");
            }

            line.Append((char)one[0]);
        }

        // "HTTP/1.1 408 Request Timeout"
        return int.Parse(line.ToString().Split(' ')[1], CultureInfo.InvariantCulture);
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
