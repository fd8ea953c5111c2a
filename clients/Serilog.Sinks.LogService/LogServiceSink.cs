using System.Text;
using LogService.Client.Auth;
using LogService.Client.Trust;
using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;
using Serilog.Sinks.LogService.Buffer;
using Serilog.Sinks.LogService.Formatting;
using Serilog.Sinks.LogService.Shipping;

namespace Serilog.Sinks.LogService;

/// <summary>
/// The sink: formats each event as a CLEF line and appends it to the durable buffer on the logging thread (so an
/// event is on disk when <see cref="Emit"/> returns); the shipper sends it from there. Disposing flushes for up to
/// the flush timeout; anything left is sent by the next process that opens the buffer.
/// </summary>
internal sealed class LogServiceSink : ILogEventSink, IDisposable
{
    private static readonly MessageTemplate GapTemplate =
        new MessageTemplateParser().Parse("LogService sink refused {RefusedEvents} events because its buffer was full or they were too large");

    [ThreadStatic]
    private static FrameWriter? t_writer;

    private readonly HttpClient _http;
    private readonly int _eventLimit;
    private readonly (ReplicaKeySet Keys, ITokenSource? Credentials)? _owned;
    private int _disposed;

    public LogServiceSink(LogServiceSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ServerUrls.Count == 0)
        {
            throw new ArgumentException("At least one server URL is required.", nameof(options));
        }

        if (options.MaxBatchesInFlight < 1)
        {
            throw new ArgumentException("MaxBatchesInFlight must be at least 1.", nameof(options));
        }

        var keys = options.ReplicaKeys ?? throw new ArgumentException("The pinned replica key set is required: receipts are verified against it.", nameof(options));

        _eventLimit = options.EventBodyLimitBytes;
        _owned = options.OwnsKeysAndCredentials ? (keys, options.Credentials) : null;
        var directory = options.ResolveBufferDirectory();
        Buffer = DurableBuffer.Open(directory, options.BufferSizeLimitBytes, options.EventBodyLimitBytes, GapMarker);
        _http = new HttpClient(options.HttpHandler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) }, disposeHandler: options.HttpHandler is null)
        {
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = 1024 * 1024,
        };
        var sender = new BatchSender(_http, options, new ReceiptCheck(keys));
        Shipper = new BatchShipper(Buffer, sender, new DeadLetterFile(options.DeadLetterPath ?? Path.Combine(directory, "dead-letter.jsonl")), options);
        Shipper.Start();
    }

    /// <summary>The durable buffer (figures for tests and the benchmark).</summary>
    internal DurableBuffer Buffer { get; }

    /// <summary>The shipping task (figures for tests and the benchmark).</summary>
    internal BatchShipper Shipper { get; }

    /// <inheritdoc />
    public void Emit(LogEvent logEvent)
    {
        var writer = t_writer ??= new FrameWriter();
        var (frame, length) = writer.Format(logEvent, _eventLimit);
        if (Buffer.TryAppend(frame, length))
        {
            Shipper.NotifyAppended();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Shipper.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Buffer.Dispose();
        _http.Dispose();
        if (_owned is { } owned)
        {
            owned.Keys.Dispose();
            (owned.Credentials as IDisposable)?.Dispose();
        }
    }

    private static byte[] GapMarker(long refused)
    {
        var properties = new[] { new LogEventProperty("RefusedEvents", new ScalarValue(refused)) };
        var marker = new LogEvent(DateTimeOffset.UtcNow, LogEventLevel.Warning, null, GapTemplate, properties);
        using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        ClefFormatter.Write(marker, text);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Per-thread reusable text and byte buffers, so formatting an event allocates little.</summary>
    private sealed class FrameWriter
    {
        private readonly StringWriter _text = new(System.Globalization.CultureInfo.InvariantCulture);
        private byte[] _frame = new byte[4096];

        public (byte[] Frame, int PayloadLength) Format(LogEvent logEvent, int limit)
        {
            var builder = _text.GetStringBuilder();
            builder.Clear();
            ClefFormatter.Write(logEvent, _text);
            var length = 0;
            foreach (var chunk in builder.GetChunks())
            {
                length += Encoding.UTF8.GetByteCount(chunk.Span);
            }

            if (length > limit)
            {
                return (_frame, length); // refused by the buffer by its length; the bytes are never read
            }

            if (RecordFrame.HeaderSize + length > _frame.Length)
            {
                _frame = new byte[Math.Max(RecordFrame.HeaderSize + length, _frame.Length * 2)];
            }

            var offset = RecordFrame.HeaderSize;
            foreach (var chunk in builder.GetChunks())
            {
                offset += Encoding.UTF8.GetBytes(chunk.Span, _frame.AsSpan(offset));
            }

            if (builder.Capacity > 64 * 1024)
            {
                builder.Clear();
                builder.Capacity = 1024; // one huge event should not pin a huge buffer on this thread
            }

            return (_frame, length);
        }
    }
}
