using Microsoft.Win32.SafeHandles;
using Serilog.Debugging;

namespace Serilog.Sinks.LogService.Buffer;

/// <summary>
/// The sink's durable buffer: append-only segment files of <see cref="RecordFrame"/> records, a persisted read
/// position, and a bound on the bytes on disk. Appends are written to the operating system before they return,
/// so they survive the process being killed. Each process writes a new segment; a record torn by a kill can only
/// be at the end of an older segment, and the reader skips it. When the bound is reached new events are refused
/// and counted (their sequence numbers are used up, so the gap is visible downstream); the next event that fits is
/// preceded by a gap marker saying how many were refused. Several batches may be in flight at once: the reader
/// runs ahead of the read position, the ends of the batches in flight are persisted before they are sent, and the
/// read position only moves past a batch once it and every batch before it is done. Appends may come from any
/// thread; reading, marking and committing from one thread (the shipper).
/// </summary>
internal sealed class DurableBuffer : IDisposable
{
    private const int ChunkSize = 1 << 20;

    private readonly object _gate = new();
    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly long _segmentBytes;
    private readonly int _maxPayload;
    private readonly Func<long, byte[]> _gapMarker;
    private readonly FileStream _lock;
    private readonly SortedDictionary<long, long> _segments;
    private SafeFileHandle _writeHandle;
    private long _writeSegment;
    private long _writeOffset;
    private long _totalBytes;
    private long _peakBytes;
    private long _nextSequence;
    private long _refusedPending;
    private long _refusedTotal;
    private BufferPosition _read;
    private List<BufferPosition> _inFlightEnds;
    private bool _disposed;

    // Reader state, touched only by the shipper thread.
    private readonly byte[] _chunk;
    private BufferPosition _next;
    private SafeFileHandle? _readHandle;
    private long _readHandleSegment = -1;
    private long _chunkStart;
    private int _chunkLength;

    private DurableBuffer(string directory, long maxBytes, long segmentBytes, int maxPayload, Func<long, byte[]> gapMarker)
    {
        _directory = directory;
        _maxBytes = maxBytes;
        _segmentBytes = segmentBytes;
        _maxPayload = maxPayload;
        _gapMarker = gapMarker;
        _chunk = new byte[Math.Max(ChunkSize, maxPayload + RecordFrame.HeaderSize)];
        Directory.CreateDirectory(directory);
        _lock = BufferFiles.LockDirectory(directory);
        try
        {
            SourceId = BufferFiles.LoadOrCreateSourceId(directory);
            _segments = BufferFiles.ListSegments(directory);
            _nextSequence = RecoverNextSequence();
            _writeSegment = _segments.Count == 0 ? 1 : _segments.Keys.Max() + 1;
            _writeHandle = File.OpenHandle(BufferFiles.SegmentPath(directory, _writeSegment), FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        }
        catch
        {
            _lock.Dispose();
            throw;
        }

        _segments[_writeSegment] = 0;
        _totalBytes = _segments.Values.Sum();
        _peakBytes = _totalBytes;

        var saved = BufferFiles.LoadPosition(directory);
        var first = _segments.Keys.Min();
        _read = saved is { } s && s.Read.Segment >= first ? s.Read : new BufferPosition(first, 0);
        _inFlightEnds = saved is { } p ? [.. p.InFlightEnds.Where(e => e.CompareTo(_read) > 0).Order()] : [];
        _next = _read;
    }

    /// <summary>Opens (or creates) the buffer in <paramref name="directory"/>.</summary>
    /// <param name="directory">The buffer's own directory.</param>
    /// <param name="maxBytes">Bound on the bytes of all segment files.</param>
    /// <param name="maxPayload">Largest event line accepted, in bytes.</param>
    /// <param name="gapMarker">Makes the CLEF line of the gap marker for a number of refused events.</param>
    public static DurableBuffer Open(string directory, long maxBytes, int maxPayload, Func<long, byte[]> gapMarker)
    {
        var segmentBytes = Math.Clamp(maxBytes / 16, 64 * 1024, 16L * 1024 * 1024);
        return new DurableBuffer(directory, maxBytes, segmentBytes, maxPayload, gapMarker);
    }

    /// <summary>This buffer's source id, kept across restarts; batch ids are derived from it.</summary>
    public string SourceId { get; }

    /// <summary>Bytes of all segment files now.</summary>
    public long TotalBytes { get { lock (_gate) { return _totalBytes; } } }

    /// <summary>Most bytes the segment files have held since the buffer was opened.</summary>
    public long PeakBytes { get { lock (_gate) { return _peakBytes; } } }

    /// <summary>Events refused since the buffer was opened (buffer full or event too large).</summary>
    public long RefusedTotal { get { lock (_gate) { return _refusedTotal; } } }

    /// <summary>The sequence number the next event will get.</summary>
    public long NextSequence { get { lock (_gate) { return _nextSequence; } } }

    /// <summary>
    /// Appends one event. <paramref name="frame"/> holds <see cref="RecordFrame.HeaderSize"/> free bytes and then
    /// <paramref name="payloadLength"/> bytes of the event's CLEF line. False when the event was refused.
    /// </summary>
    public bool TryAppend(byte[] frame, int payloadLength)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var size = RecordFrame.HeaderSize + payloadLength;
            if (payloadLength > _maxPayload)
            {
                Refuse($"an event of {payloadLength} bytes is larger than the {_maxPayload}-byte limit");
                return false;
            }

            byte[]? marker = null;
            if (_refusedPending > 0)
            {
                marker = _gapMarker(_refusedPending);
                size += RecordFrame.HeaderSize + marker.Length;
            }

            if (_totalBytes + size > _maxBytes)
            {
                Refuse($"the buffer holds {_totalBytes} of {_maxBytes} bytes");
                return false;
            }

            if (marker is not null)
            {
                var markerFrame = new byte[RecordFrame.HeaderSize + marker.Length];
                marker.CopyTo(markerFrame, RecordFrame.HeaderSize);
                WriteFrame(markerFrame, marker.Length);
                SelfLog.WriteLine("LogService sink: buffer has room again; wrote a gap marker for {0} refused events", _refusedPending);
                _refusedPending = 0;
            }

            WriteFrame(frame, payloadLength);
            return true;
        }
    }

    /// <summary>
    /// Reads the next batch after the last one marked in flight into <paramref name="body"/>: up to
    /// <paramref name="maxCount"/> events and <paramref name="maxBytes"/> body bytes, stopping at a sequence gap. A
    /// batch that was in flight when the process stopped is read again exactly to its recorded end, whatever the
    /// limits are now, so its retry carries the same events under the same batch id. Null when nothing is pending.
    /// </summary>
    public BufferBatch? ReadBatch(int maxCount, long maxBytes, LineBuffer body)
    {
        BufferPosition? stopAt = null;
        lock (_gate)
        {
            foreach (var end in _inFlightEnds)
            {
                if (end.CompareTo(_next) > 0)
                {
                    stopAt = end;
                    break;
                }
            }
        }

        var position = _next;
        body.Reset();
        var lines = new List<Range>();
        var start = position;
        long firstSequence = 0, expected = 0;
        var (limit, active) = SegmentLimit(position.Segment);
        while (stopAt is not null || lines.Count < maxCount)
        {
            if (position.Offset >= limit)
            {
                // Look at the shared state (under the writers' lock) only when the known part is used up.
                (limit, active) = SegmentLimit(position.Segment);
            }

            if (position.Offset >= limit)
            {
                if (active || !NextSegment(position.Segment, out var next))
                {
                    break;
                }

                position = new BufferPosition(next, 0);
                (limit, active) = SegmentLimit(position.Segment);
                if (lines.Count == 0)
                {
                    start = position;
                }

                continue;
            }

            if (!TryReadRecord(position, limit, out var sequence, out var payload))
            {
                SelfLog.WriteLine("LogService sink: skipped {0} bytes of a damaged or torn record at the end of buffer segment {1}", limit - position.Offset, position.Segment);
                position = position with { Offset = limit };
                if (lines.Count == 0)
                {
                    start = position;
                }

                continue;
            }

            if (lines.Count > 0 && (sequence != expected || (stopAt is null && body.Length + payload.Length + 1 > maxBytes)))
            {
                break;
            }

            if (lines.Count == 0)
            {
                firstSequence = sequence;
                start = position;
            }

            lines.Add(body.AppendLine(payload.Span));
            expected = sequence + 1;
            position = position with { Offset = position.Offset + RecordFrame.HeaderSize + payload.Length };
            if (stopAt is { } stop && position.CompareTo(stop) >= 0)
            {
                break;
            }
        }

        if (lines.Count == 0)
        {
            // Only skipped damage or emptied segments: move past them, and release them once no batch before them
            // is still in flight.
            _next = position;
            if (_next != _read && !HasInFlightUpTo(_next))
            {
                Commit(_next);
            }

            return null;
        }

        return new BufferBatch(body.Bytes, body.Length, lines, firstSequence, start, position);
    }

    /// <summary>
    /// Records on disk that <paramref name="batch"/> is being sent, so after a crash it is read again unchanged, and
    /// moves the reader past it. Throws, leaving the reader where it was, when the record cannot be written.
    /// </summary>
    public void MarkInFlight(BufferBatch batch)
    {
        lock (_gate)
        {
            if (!_inFlightEnds.Contains(batch.End))
            {
                List<BufferPosition> ends = [.. _inFlightEnds, batch.End];
                ends.Sort();
                BufferFiles.SavePosition(_directory, _read, ends);
                _inFlightEnds = ends;
            }
        }

        _next = batch.End;
    }

    /// <summary>
    /// Marks everything before <paramref name="end"/> done (delivered or dead-lettered) and frees finished segments.
    /// The caller passes the end of a batch only when it and every batch before it is done.
    /// </summary>
    public void Commit(BufferPosition end)
    {
        lock (_gate)
        {
            _read = end;
            _inFlightEnds = _inFlightEnds.Where(e => e.CompareTo(end) > 0).ToList();

            // A finished segment other than the one being written is no longer needed.
            if (_read.Segment != _writeSegment && _segments.TryGetValue(_read.Segment, out var length) && _read.Offset >= length
                && NextSegmentLocked(_read.Segment, out var next))
            {
                _read = new BufferPosition(next, 0);
            }

            // Everything written has been shipped: start a fresh segment so the drained one can be deleted.
            if (_read.Segment == _writeSegment && _read.Offset >= _writeOffset && _writeOffset > 0)
            {
                RollWriteSegment();
                _read = new BufferPosition(_writeSegment, 0);
            }

            foreach (var segment in _segments.Keys.Where(s => s < _read.Segment).ToList())
            {
                if (segment == _readHandleSegment)
                {
                    CloseReadHandle();
                }

                File.Delete(BufferFiles.SegmentPath(_directory, segment));
                _totalBytes -= _segments[segment];
                _segments.Remove(segment);
            }

            if (_next.CompareTo(_read) < 0)
            {
                _next = _read;
            }

            BufferFiles.SavePosition(_directory, _read, _inFlightEnds);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _writeHandle.Dispose();
            CloseReadHandle();
            _lock.Dispose();
        }
    }

    /// <summary>True when a batch ending at or before <paramref name="position"/> is still in flight.</summary>
    private bool HasInFlightUpTo(BufferPosition position)
    {
        lock (_gate)
        {
            return _inFlightEnds.Count > 0 && _inFlightEnds[0].CompareTo(position) <= 0;
        }
    }

    private void WriteFrame(byte[] frame, int payloadLength)
    {
        var size = RecordFrame.HeaderSize + payloadLength;
        RecordFrame.WriteHeader(frame, _nextSequence, frame.AsSpan(RecordFrame.HeaderSize, payloadLength));
        if (_writeOffset > 0 && _writeOffset + size > _segmentBytes)
        {
            RollWriteSegment();
        }

        RandomAccess.Write(_writeHandle, frame.AsSpan(0, size), _writeOffset);
        _writeOffset += size;
        _segments[_writeSegment] = _writeOffset;
        _totalBytes += size;
        _peakBytes = Math.Max(_peakBytes, _totalBytes);
        _nextSequence++;
    }

    private void RollWriteSegment()
    {
        _writeHandle.Dispose();
        _writeSegment++;
        _writeHandle = File.OpenHandle(BufferFiles.SegmentPath(_directory, _writeSegment), FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        _writeOffset = 0;
        _segments[_writeSegment] = 0;
    }

    private void Refuse(string reason)
    {
        if (_refusedPending == 0)
        {
            SelfLog.WriteLine("LogService sink: refusing events because {0}; counting them until there is room", reason);
        }

        _refusedPending++;
        _refusedTotal++;
        _nextSequence++;
    }

    private (long Limit, bool Active) SegmentLimit(long segment)
    {
        lock (_gate)
        {
            if (segment == _writeSegment)
            {
                return (_writeOffset, true);
            }

            return (_segments.TryGetValue(segment, out var length) ? length : 0, false);
        }
    }

    private bool NextSegment(long segment, out long next)
    {
        lock (_gate)
        {
            return NextSegmentLocked(segment, out next);
        }
    }

    private bool NextSegmentLocked(long segment, out long next)
    {
        foreach (var key in _segments.Keys)
        {
            if (key > segment)
            {
                next = key;
                return true;
            }
        }

        next = 0;
        return false;
    }

    private bool TryReadRecord(BufferPosition position, long limit, out long sequence, out ReadOnlyMemory<byte> payload)
    {
        payload = default;
        sequence = 0;
        var available = (int)Math.Min(limit - position.Offset, _chunk.Length);
        if (available < RecordFrame.HeaderSize)
        {
            return false;
        }

        var header = Fetch(position, RecordFrame.HeaderSize, available);
        var declared = RecordFrame.DeclaredLength(header.Span);
        if (declared <= 0 || declared > _maxPayload || declared > available - RecordFrame.HeaderSize)
        {
            return false;
        }

        var record = Fetch(position, RecordFrame.HeaderSize + declared, available);
        if (!RecordFrame.TryRead(record.Span, _maxPayload, out sequence, out var length))
        {
            return false;
        }

        payload = record.Slice(RecordFrame.HeaderSize, length);
        return true;
    }

    /// <summary>The <paramref name="count"/> bytes at <paramref name="position"/>, from the chunk, refilled as needed.</summary>
    private ReadOnlyMemory<byte> Fetch(BufferPosition position, int count, int available)
    {
        if (_readHandleSegment != position.Segment)
        {
            CloseReadHandle();
            _readHandle = File.OpenHandle(BufferFiles.SegmentPath(_directory, position.Segment), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            _readHandleSegment = position.Segment;
        }

        if (position.Offset < _chunkStart || position.Offset + count > _chunkStart + _chunkLength)
        {
            _chunkStart = position.Offset;
            _chunkLength = 0;
            while (_chunkLength < available)
            {
                var read = RandomAccess.Read(_readHandle!, _chunk.AsSpan(_chunkLength, available - _chunkLength), _chunkStart + _chunkLength);
                if (read == 0)
                {
                    break;
                }

                _chunkLength += read;
            }
        }

        var offset = (int)(position.Offset - _chunkStart);
        return _chunk.AsMemory(offset, Math.Min(count, _chunkLength - offset));
    }

    private void CloseReadHandle()
    {
        _readHandle?.Dispose();
        _readHandle = null;
        _readHandleSegment = -1;
        _chunkLength = 0;
    }

    /// <summary>One past the last intact record's sequence in the newest segment that has one; 0 for a new buffer.</summary>
    private long RecoverNextSequence()
    {
        foreach (var segment in _segments.Keys.Reverse())
        {
            var bytes = File.ReadAllBytes(BufferFiles.SegmentPath(_directory, segment));
            long? last = null;
            var offset = 0;
            while (RecordFrame.TryRead(bytes.AsSpan(offset), _maxPayload, out var sequence, out var length))
            {
                last = sequence;
                offset += RecordFrame.HeaderSize + length;
            }

            if (last is { } found)
            {
                return found + 1;
            }
        }

        return 0;
    }
}
