using System.Buffers;

namespace LogService.Server.Ingestion;

/// <summary>Creates the ingestion formats and checks a request's content type against the one an endpoint serves.</summary>
public static class IngestFormats
{
    /// <summary>Native JSON batches (<c>application/json</c>, <c>application/vnd.logservice.batch+json</c>).</summary>
    public static IIngestFormat Native(IngestLimits limits, TimeProvider clock) => new NativeBatchFormat(limits, clock);

    /// <summary>Newline-delimited CLEF as Seq's <c>/ingest/clef</c> (<c>application/vnd.serilog.clef</c>; a single event may come as <c>application/json</c>).</summary>
    public static IIngestFormat Clef(IngestLimits limits, TimeProvider clock) => new ClefFormat(limits, clock);

    /// <summary>Serilog.Sinks.Http's JSON batches in its normal or compact field sets (<c>application/json</c>).</summary>
    public static IIngestFormat SerilogHttp(IngestLimits limits, TimeProvider clock) => new SerilogHttpFormat(limits, clock);

    /// <summary>OTLP/HTTP JSON logs, the body of <c>POST /v1/logs</c> (<c>application/json</c>).</summary>
    public static IIngestFormat OtlpJson(IngestLimits limits, TimeProvider clock) => new OtlpJsonFormat(limits, clock);

    /// <summary>
    /// Parses <paramref name="payload"/> with <paramref name="format"/> after checking <paramref name="contentType"/>
    /// (parameters such as <c>charset=utf-8</c> are ignored; any other charset is refused). A mismatch gives a 415 error.
    /// </summary>
    public static IngestResult Parse(IIngestFormat format, string? contentType, ReadOnlyMemory<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(format);
        if (!Accepts(format, contentType))
        {
            var accepted = string.Join(", ", format.ContentTypes);
            return IngestResult.Failure(new IngestError(
                IngestErrorKind.UnsupportedMediaType,
                $"Content type '{contentType ?? "(none)"}' is not accepted here; send one of: {accepted}.") { Field = "Content-Type" });
        }

        return format.Parse(payload);
    }

    /// <summary>
    /// Checks the content type, reads <paramref name="body"/> into a pooled buffer (at most
    /// <see cref="IngestLimits.MaxRequestBytes"/>: a larger body is refused as soon as it is seen, without being
    /// buffered whole) and parses it. The buffer is returned to the pool before this returns; drafts hold no
    /// reference to it. <paramref name="limits"/> must be the limits the format was created with.
    /// </summary>
    public static async Task<IngestResult> ParseAsync(
        IIngestFormat format, string? contentType, Stream body, IngestLimits limits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(limits);
        if (!Accepts(format, contentType))
        {
            return Parse(format, contentType, ReadOnlyMemory<byte>.Empty);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limits.MaxRequestBytes)
                    {
                        break;
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limits.MaxRequestBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > limits.MaxRequestBytes)
                {
                    break;
                }
            }

            return length > limits.MaxRequestBytes
                ? IngestResult.Failure(new IngestError(IngestErrorKind.PayloadTooLarge, $"The body is larger than {limits.MaxRequestBytes} bytes."))
                : format.Parse(buffer.AsMemory(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>True when the media type of <paramref name="contentType"/> is one the format accepts and any charset is UTF-8.</summary>
    public static bool Accepts(IIngestFormat format, string? contentType)
    {
        ArgumentNullException.ThrowIfNull(format);
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return false;
        }

        var parts = contentType.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || !format.ContentTypes.Contains(parts[0], StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }

        foreach (var parameter in parts.AsSpan(1))
        {
            var eq = parameter.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && parameter[..eq].Trim().Equals("charset", StringComparison.OrdinalIgnoreCase)
                && !parameter[(eq + 1)..].Trim().Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }
}
