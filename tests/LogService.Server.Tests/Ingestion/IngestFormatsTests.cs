using LogService.Server.Ingestion;
using LogService.Server.Tests.Ingestion.Support;

namespace LogService.Server.Tests.Ingestion;

public class IngestFormatsTests
{
    private static readonly IngestLimits Limits = new() { MaxRequestBytes = 100_000 };

    [Fact]
    public async Task StreamedBodyIsParsed()
    {
        var lines = string.Concat(Enumerable.Range(0, 1500).Select(i => $"{{\"@t\":\"2026-11-21T14:00:00Z\",\"@m\":\"line {i}\"}}\n"));
        using var body = new MemoryStream(Samples.Utf8(lines));

        var result = await IngestFormats.ParseAsync(IngestFormats.Clef(Limits, FixedClock.SampleDay), "application/vnd.serilog.clef", body, Limits);

        Assert.True(result.IsSuccess, result.Error?.ToString());
        Assert.Equal("line 1499", result.Entries[^1].Body.RenderedMessage);
    }

    [Fact]
    public async Task StreamedBodyOverTheLimitIsRefusedWithoutReadingItAll()
    {
        using var body = new EndlessStream();

        var result = await IngestFormats.ParseAsync(IngestFormats.Clef(Limits, FixedClock.SampleDay), "application/vnd.serilog.clef", body, Limits);

        Assert.Equal(IngestErrorKind.PayloadTooLarge, result.Error!.Kind);
        Assert.InRange(body.Position, Limits.MaxRequestBytes + 1, 4L * Limits.MaxRequestBytes);
    }

    [Fact]
    public async Task WrongContentTypeIsRefusedBeforeReading()
    {
        using var body = new EndlessStream();

        var result = await IngestFormats.ParseAsync(IngestFormats.OtlpJson(Limits, FixedClock.SampleDay), "application/x-protobuf", body, Limits);

        Assert.Equal(IngestErrorKind.UnsupportedMediaType, result.Error!.Kind);
        Assert.Equal(0, body.Position);
    }

    [Fact]
    public void EachFormatNamesItsContentTypes()
    {
        var clock = FixedClock.SampleDay;
        Assert.Equal(["application/vnd.logservice.batch+json", "application/json"], IngestFormats.Native(Limits, clock).ContentTypes);
        Assert.Equal(["application/vnd.serilog.clef", "application/json"], IngestFormats.Clef(Limits, clock).ContentTypes);
        Assert.Equal(["application/json"], IngestFormats.SerilogHttp(Limits, clock).ContentTypes);
        Assert.Equal(["application/json"], IngestFormats.OtlpJson(Limits, clock).ContentTypes);
    }

    [Fact]
    public void PublicSurfaceIsTheIntendedOne()
    {
        var types = typeof(IIngestFormat).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == typeof(IIngestFormat).Namespace)
            .Select(t => t.Name)
            .Order(StringComparer.Ordinal);

        Assert.Equal(["IIngestFormat", "IngestError", "IngestErrorKind", "IngestFormats", "IngestLimits", "IngestProblem", "IngestResult"], types);
    }

    /// <summary>A body that never ends, to prove reading stops at the limit.</summary>
    private sealed class EndlessStream : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)' ');
            _position += count;
            return count;
        }

        public override void Flush() => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
