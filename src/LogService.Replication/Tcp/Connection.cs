using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using LogService.Replication.Transport;

namespace LogService.Replication.Tcp;

/// <summary>What a connection reports to the transport that owns it.</summary>
internal interface IConnectionOwner
{
    /// <summary>Delivers one verified message; false when <paramref name="node"/> is not one the peer may use.</summary>
    bool Deliver(Principal peer, int node, ReadOnlySpan<byte> payload);

    /// <summary>Reports a rejected frame; the connection closes right after.</summary>
    void Fault(int peer, PeerFault fault, string detail);
}

/// <summary>
/// One authenticated TCP connection: a reader loop that verifies frames and delivers the messages inside, and a single
/// writer loop that packs everything its link's <see cref="Outbox"/> holds into as few frames as fit (each sealed with
/// a sequence number and one HMAC) and sends them in one write.
/// </summary>
internal sealed class Connection
{
    private const int InitialBufferBytes = 64 * 1024;
    private const int SharedFrameRecords = 64 * 1024;

    private readonly Socket _socket;
    private readonly Outbox _outbox;
    private readonly IConnectionOwner _owner;
    private readonly IncrementalHash _sendMac;
    private readonly IncrementalHash _receiveMac;
    private readonly int _maxFrameBody;
    private ulong _sendSeq;
    private ulong _receiveSeq;
    private int _closing;

    public Connection(Socket socket, Principal peer, LinkKeys keys, Outbox outbox, IConnectionOwner owner, int maxMessageBytes)
    {
        _socket = socket;
        Peer = peer;
        _outbox = outbox;
        _owner = owner;
        _sendMac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, keys.Send);
        _receiveMac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, keys.Receive);
        // Any one message fits in a frame of its own; smaller ones share frames of up to 64 KiB, so the reader never
        // waits long for a frame to complete before it can deliver the messages at its start.
        _maxFrameBody = Math.Max(maxMessageBytes + Frame.RecordOverhead, SharedFrameRecords) + Frame.Overhead - Frame.PrefixBytes;
    }

    /// <summary>The authenticated peer.</summary>
    public Principal Peer { get; }

    /// <summary>Completes when both loops have ended and the socket is closed.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start()
    {
        var reader = Task.Run(ReadLoopAsync);
        var writer = Task.Run(WriteLoopAsync);
        Completion = Task.WhenAll(reader, writer).ContinueWith(
            _ =>
            {
                _sendMac.Dispose();
                _receiveMac.Dispose();
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Closes the socket; both loops end soon after. Safe to call more than once.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        _socket.Dispose();
        _outbox.Wake();
    }

    private async Task WriteLoopAsync()
    {
        var records = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        var wire = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        try
        {
            while (Volatile.Read(ref _closing) == 0 && await _outbox.WaitAsync().ConfigureAwait(false))
            {
                _outbox.ClearSignal();
                int length;
                while (Volatile.Read(ref _closing) == 0 && (length = _outbox.Take(ref records)) > 0)
                {
                    var wireLength = Seal(records.AsSpan(0, length), ref wire);
                    for (var sent = 0; sent < wireLength;)
                    {
                        sent += await _socket.SendAsync(wire.AsMemory(sent, wireLength - sent), SocketFlags.None).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The peer went away or the connection was closed; the link reconnects or waits for the peer.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(records);
            ArrayPool<byte>.Shared.Return(wire);
            Close();
        }
    }

    /// <summary>
    /// Packs <paramref name="records"/>, in queue order, into numbered and MACed frames in <paramref name="wire"/>
    /// (grown when needed) and returns the bytes to send.
    /// </summary>
    private int Seal(ReadOnlySpan<byte> records, ref byte[] wire)
    {
        var length = 0;
        while (!records.IsEmpty)
        {
            var take = Frame.NextFrameRecords(records, SharedFrameRecords);
            var frameLength = Frame.Overhead + take;
            if (wire.Length < length + frameLength)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(wire.Length * 2, length + frameLength + records.Length - take));
                wire.AsSpan(0, length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(wire);
                wire = bigger;
            }

            var frame = wire.AsSpan(length, frameLength);
            Frame.WriteHeader(frame, take, _sendSeq++);
            records[..take].CopyTo(frame[Frame.PayloadAt..]);
            var macAt = frameLength - Frame.MacBytes;
            _sendMac.AppendData(frame[Frame.VersionAt..macAt]);
            _sendMac.GetHashAndReset(frame[macAt..]);
            length += frameLength;
            records = records[take..];
        }

        return length;
    }

    private async Task ReadLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        int start = 0, end = 0;
        try
        {
            while (true)
            {
                while (end - start >= Frame.PrefixBytes)
                {
                    var body = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(start));
                    if (body < Frame.Overhead - Frame.PrefixBytes || body > _maxFrameBody)
                    {
                        _owner.Fault(Peer.FirstId, PeerFault.MalformedFrame, $"frame length {body} out of bounds");
                        return;
                    }

                    var total = Frame.PrefixBytes + body;
                    if (end - start < total)
                    {
                        if (total > buffer.Length)
                        {
                            var bigger = ArrayPool<byte>.Shared.Rent(total);
                            buffer.AsSpan(start, end - start).CopyTo(bigger);
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = bigger;
                            (start, end) = (0, end - start);
                        }

                        break;
                    }

                    if (!Receive(buffer.AsSpan(start, total)))
                    {
                        return;
                    }

                    start += total;
                }

                if (start == end)
                {
                    start = end = 0;
                }
                else if (start > 0 && buffer.Length - end < buffer.Length / 4)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    (start, end) = (0, end - start);
                }

                var read = await _socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                end += read;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Closed by either side; nothing to report.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Close();
        }
    }

    /// <summary>Verifies and delivers one frame; false (after reporting the fault) when the connection must drop.</summary>
    private bool Receive(ReadOnlySpan<byte> frame)
    {
        var macAt = frame.Length - Frame.MacBytes;
        Span<byte> mac = stackalloc byte[Frame.MacBytes];
        _receiveMac.AppendData(frame[Frame.VersionAt..macAt]);
        _receiveMac.GetHashAndReset(mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, frame[macAt..]))
        {
            _owner.Fault(Peer.FirstId, PeerFault.BadMac, $"frame MAC does not verify (expected sequence {_receiveSeq})");
            return false;
        }

        if (frame[Frame.VersionAt] != Frame.Version || frame[Frame.KindAt] != Frame.KindData)
        {
            _owner.Fault(Peer.FirstId, PeerFault.MalformedFrame, $"unknown frame version {frame[Frame.VersionAt]} or kind {frame[Frame.KindAt]}");
            return false;
        }

        var seq = BinaryPrimitives.ReadUInt64LittleEndian(frame[Frame.SeqAt..]);
        if (seq != _receiveSeq)
        {
            _owner.Fault(Peer.FirstId, PeerFault.Replay, $"frame sequence {seq}, expected {_receiveSeq}");
            return false;
        }

        _receiveSeq++;
        var records = frame[Frame.PayloadAt..macAt];
        while (!records.IsEmpty)
        {
            if (!Frame.TryReadRecord(ref records, out var node, out var message))
            {
                _owner.Fault(Peer.FirstId, PeerFault.MalformedFrame, "frame holds a partial record");
                return false;
            }

            if (!_owner.Deliver(Peer, node, message))
            {
                _owner.Fault(Peer.FirstId, PeerFault.MalformedFrame, $"frame names node {node}, which this peer may not use");
                return false;
            }
        }

        return true;
    }
}
