using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using Serilog.Sinks.LogService.Buffer;

namespace Serilog.Sinks.LogService.Tests.Buffer;

public sealed class DurableBufferTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "buffer-tests-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void RecordsComeBackInOrderWithConsecutiveSequences()
    {
        using var buffer = Open();
        Append(buffer, "{\"a\":1}", "{\"a\":2}", "{\"a\":3}");
        var batch = Read(buffer, 10)!;
        Assert.Equal(0, batch.FirstSequence);
        Assert.Equal(3, batch.Count);
        Assert.Equal("{\"a\":1}\n{\"a\":2}\n{\"a\":3}", Encoding.UTF8.GetString(batch.Body.Span));
    }

    [Fact]
    public void ATornLastRecordIsSkippedAndNeverTakenForAnEvent()
    {
        using (var buffer = Open())
        {
            Append(buffer, "{\"a\":1}", "{\"a\":2}");
        }

        // A kill in the middle of a write leaves a header promising more bytes than follow, or garbage.
        var segment = Directory.GetFiles(_directory, "*.seg").Order().Last(f => new FileInfo(f).Length > 0);
        var frame = Frame(2, "{\"a\":\"torn record that never finished\"}");
        using (var file = new FileStream(segment, FileMode.Append))
        {
            file.Write(frame, 0, frame.Length - 7);
        }

        using (var reopened = Open())
        {
            Append(reopened, "{\"a\":3}");
            var batch = Read(reopened, 10)!;
            Assert.Equal("{\"a\":1}\n{\"a\":2}\n{\"a\":3}", Encoding.UTF8.GetString(batch.Body.Span));
            Assert.Equal((0L, 2L), (batch.FirstSequence, batch.LastSequence)); // the torn record's sequence was never issued
        }
    }

    [Fact]
    public void ARecordWithAFlippedBitFailsItsChecksum()
    {
        var frame = Frame(7, "{\"a\":1}");
        Assert.True(RecordFrame.TryRead(frame, 1024, out var sequence, out _));
        Assert.Equal(7, sequence);
        for (var i = 0; i < frame.Length; i++)
        {
            var damaged = (byte[])frame.Clone();
            damaged[i] ^= 0x10;
            Assert.False(RecordFrame.TryRead(damaged, 1024, out _, out _), $"bit flip at byte {i} accepted");
        }
    }

    [Fact]
    public void ABatchInFlightWhenTheProcessStoppedIsReadAgainUnchanged()
    {
        BufferBatch before;
        using (var buffer = Open())
        {
            Append(buffer, "{\"a\":1}", "{\"a\":2}");
            before = Read(buffer, 10)!;
            buffer.MarkInFlight(before);
        }

        using var reopened = Open();
        Append(reopened, "{\"a\":3}");
        var after = Read(reopened, 10)!;
        Assert.Equal((before.FirstSequence, before.LastSequence), (after.FirstSequence, after.LastSequence));
        reopened.Commit(after.End);
        var next = Read(reopened, 10)!;
        Assert.Equal(2, next.FirstSequence);
    }

    [Fact]
    public void BatchesInFlightWhenTheProcessStoppedAreReadAgainWithTheirOwnBoundariesWhateverTheLimitsAreNow()
    {
        BufferBatch second, third;
        using (var buffer = Open())
        {
            Append(buffer, "{\"a\":0}", "{\"a\":1}", "{\"a\":2}", "{\"a\":3}", "{\"a\":4}", "{\"a\":5}", "{\"a\":6}");
            var first = Read(buffer, 2)!;
            buffer.MarkInFlight(first);
            second = Read(buffer, 3)!;
            buffer.MarkInFlight(second);
            third = Read(buffer, 1)!;
            buffer.MarkInFlight(third);
            Assert.Equal(5, third.FirstSequence); // the reader runs ahead of the read position
            buffer.Commit(first.End); // only the first is done; the second and third stay in flight
        }

        using var reopened = Open();
        Append(reopened, "{\"a\":7}");
        var again = Read(reopened, 1)!; // a smaller limit than the batch had: it is read whole all the same
        Assert.Equal((second.FirstSequence, second.LastSequence), (again.FirstSequence, again.LastSequence));
        reopened.MarkInFlight(again);
        var againThird = Read(reopened, 100)!; // a larger one: it stops where the batch ended
        Assert.Equal((third.FirstSequence, third.LastSequence), (againThird.FirstSequence, againThird.LastSequence));
        reopened.MarkInFlight(againThird);
        Assert.Equal((6L, 7L), (Read(reopened, 100)!.FirstSequence, Read(reopened, 100)!.LastSequence));
    }

    [Fact]
    public void APositionFileOfTheOneBatchLayoutStillNamesTheBatchInFlight()
    {
        BufferBatch inFlight;
        using (var buffer = Open())
        {
            Append(buffer, "{\"a\":0}", "{\"a\":1}", "{\"a\":2}");
            inFlight = Read(buffer, 2)!;
        }

        // read position, then the end of the one batch in flight (segment -1: none), then a CRC-32C
        var bytes = new byte[40];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, 0x4C53_4250);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(4), inFlight.Start.Segment);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(12), inFlight.Start.Offset);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(20), inFlight.End.Segment);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(28), inFlight.End.Offset);
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes.AsSpan(0, 36))
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(36), ~crc);
        File.WriteAllBytes(Path.Combine(_directory, "position"), bytes);

        using var reopened = Open();
        Assert.Equal((0L, 1L), (Read(reopened, 100)!.FirstSequence, Read(reopened, 100)!.LastSequence));
    }

    [Fact]
    public void CommittedRecordsAreNotReadAgainAfterRestart()
    {
        using (var buffer = Open())
        {
            Append(buffer, "{\"a\":1}", "{\"a\":2}");
            buffer.Commit(Read(buffer, 1)!.End);
        }

        using var reopened = Open();
        var batch = Read(reopened, 10)!;
        Assert.Equal(1, batch.FirstSequence);
        Assert.Equal(1, batch.Count);
    }

    [Fact]
    public void WhenFullItRefusesCountsAndWritesAGapMarkerOnceThereIsRoom()
    {
        using var buffer = DurableBuffer.Open(_directory, 64 * 1024, 1024, refused => Encoding.UTF8.GetBytes($"{{\"gap\":{refused}}}"));
        var payload = "{\"p\":\"" + new string('x', 500) + "\"}";
        var accepted = 0;
        while (Append(buffer, payload))
        {
            accepted++;
        }

        Assert.False(Append(buffer, payload));
        Assert.False(Append(buffer, payload));
        Assert.Equal(3, buffer.RefusedTotal);
        Assert.True(buffer.TotalBytes <= 64 * 1024);

        var lastAccepted = accepted - 1;
        for (var batch = Read(buffer, 1000); batch is not null; batch = Read(buffer, 1000))
        {
            buffer.Commit(batch.End);
        }

        Assert.True(Append(buffer, "{\"after\":1}"));
        var resumed = Read(buffer, 10)!;
        Assert.Equal("{\"gap\":3}\n{\"after\":1}", Encoding.UTF8.GetString(resumed.Body.Span));
        Assert.Equal(lastAccepted + 1 + 3, resumed.FirstSequence); // the refused events' sequences are a visible gap
    }

    [Fact]
    public void ABatchStopsAtASequenceGap()
    {
        using var buffer = DurableBuffer.Open(_directory, 1 << 20, 16, _ => Encoding.UTF8.GetBytes("{\"gap\":1}"));
        Append(buffer, "{\"a\":1}");
        Assert.False(Append(buffer, "{\"too\":\"large for sixteen\"}"));
        Append(buffer, "{\"a\":2}");
        var first = Read(buffer, 10)!;
        Assert.Equal((0L, 0L), (first.FirstSequence, first.LastSequence));
        buffer.Commit(first.End);
        var second = Read(buffer, 10)!;
        Assert.Equal(2, second.FirstSequence);
    }

    [Fact]
    public void GarbageSegmentsYieldNoEvents()
    {
        Directory.CreateDirectory(_directory);
        var random = new Random(42);
        var bytes = new byte[100_000];
        random.NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(_directory, "0000000000000000001.seg"), bytes);
        using var buffer = Open();
        Assert.Null(Read(buffer, 10));
        Assert.Equal(0, buffer.NextSequence);
    }

    [Fact]
    public void ASecondBufferOnTheSameDirectoryIsRefusedWhileTheFirstIsOpen()
    {
        using (var first = Open())
        {
            Append(first, "{\"a\":1}");
            var refused = Assert.Throws<IOException>(Open);
            Assert.Contains(_directory, refused.Message, StringComparison.Ordinal);
            Assert.Equal(1, first.NextSequence); // the refused open touched nothing
        }

        using var reopened = Open();
        Assert.Equal(1, reopened.NextSequence);
        Assert.Equal(1, Read(reopened, 10)!.Count);
    }

    private static BufferBatch? Read(DurableBuffer buffer, int maxCount) => buffer.ReadBatch(maxCount, 1 << 20, new LineBuffer());

    private DurableBuffer Open() => DurableBuffer.Open(_directory, 1 << 20, 4096, n => Encoding.UTF8.GetBytes($"{{\"gap\":{n}}}"));

    private static bool Append(DurableBuffer buffer, params string[] lines)
    {
        var all = true;
        foreach (var line in lines)
        {
            var payload = Encoding.UTF8.GetBytes(line);
            var frame = new byte[RecordFrame.HeaderSize + payload.Length];
            payload.CopyTo(frame, RecordFrame.HeaderSize);
            all &= buffer.TryAppend(frame, payload.Length);
        }

        return all;
    }

    private static byte[] Frame(long sequence, string line)
    {
        var payload = Encoding.UTF8.GetBytes(line);
        var frame = new byte[RecordFrame.HeaderSize + payload.Length];
        payload.CopyTo(frame, RecordFrame.HeaderSize);
        RecordFrame.WriteHeader(frame, sequence, payload);
        return frame;
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
