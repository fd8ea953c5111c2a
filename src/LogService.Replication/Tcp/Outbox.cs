using System.Buffers;
using System.Threading.Channels;

namespace LogService.Replication.Tcp;

/// <summary>
/// A link's bounded outbound queue: messages are appended as records to one pooled buffer that the link's single
/// writer swaps out, seals and sends in one socket write, so many messages share a MAC and a system call and nothing
/// is allocated per message.
/// </summary>
/// <remarks>
/// The last quarter of the capacity is kept for messages of at most <see cref="SmallMessageBytes"/>: votes, stops
/// and replies are what keep consensus live, and a backlog of bulk messages to a slow peer (proposals, forwarded
/// requests) must not crowd them out. Bulk messages are refused first; their senders retransmit or the protocol
/// recovers them, while a lost vote stalls an instance until a leader change.
/// </remarks>
internal sealed class Outbox : IDisposable
{
    /// <summary>Messages up to this size may use the reserved last quarter of the capacity.</summary>
    public const int SmallMessageBytes = 64 * 1024;

    private const int InitialBytes = 64 * 1024;

    private readonly object _gate = new();
    private readonly int _capacity;
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private byte[] _pending = ArrayPool<byte>.Shared.Rent(InitialBytes);
    private int _length;
    private long _dropped;
    private bool _disposed;

    public Outbox(int capacity) => _capacity = capacity;

    /// <summary>Messages refused because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Appends one message as a record; false (and counted) when the queue is full.</summary>
    public bool TryEnqueue(int node, ReadOnlySpan<byte> payload)
    {
        var size = Frame.RecordOverhead + payload.Length;
        lock (_gate)
        {
            var limit = payload.Length <= SmallMessageBytes ? _capacity : _capacity - (_capacity / 4);
            if (_disposed || _length + size > limit)
            {
                _dropped++;
                return false;
            }

            if (_length + size > _pending.Length)
            {
                Grow(_length + size);
            }

            Frame.WriteRecord(_pending.AsSpan(_length, size), node, payload);
            _length += size;
        }

        _signal.Writer.TryWrite(true);
        return true;
    }

    /// <summary>
    /// Hands the queued records to the writer: swaps them into <paramref name="buffer"/> (whose old array becomes the
    /// new queue) and returns their length, 0 when nothing is queued.
    /// </summary>
    public int Take(ref byte[] buffer)
    {
        lock (_gate)
        {
            if (_length == 0 || _disposed)
            {
                return 0;
            }

            (buffer, _pending) = (_pending, buffer);
            var taken = _length;
            _length = 0;
            return taken;
        }
    }

    /// <summary>Waits until frames may be queued (or <see cref="Wake"/> was called).</summary>
    public ValueTask<bool> WaitAsync() => _signal.Reader.WaitToReadAsync();

    /// <summary>Consumes the pending wake-up before the writer looks at the queue.</summary>
    public void ClearSignal() => _signal.Reader.TryRead(out _);

    /// <summary>Wakes the writer without queueing anything, e.g. so that it notices its connection closed.</summary>
    public void Wake() => _signal.Writer.TryWrite(true);

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            ArrayPool<byte>.Shared.Return(_pending);
            _pending = [];
            _length = 0;
        }

        _signal.Writer.TryComplete();
    }

    private void Grow(int needed)
    {
        var size = Math.Min(_capacity, Math.Max(needed, _pending.Length * 2));
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        _pending.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_pending);
        _pending = bigger;
    }
}
