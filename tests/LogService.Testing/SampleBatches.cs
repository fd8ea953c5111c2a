using System.Globalization;
using System.Text;

namespace LogService.Testing;

/// <summary>The ingestion formats of <c>POST /api/v1/streams/{tenant}/{name}/…</c>.</summary>
public enum IngestFormat
{
    /// <summary><c>/entries</c>, native JSON batch.</summary>
    Native,

    /// <summary><c>/clef</c>, newline-delimited CLEF.</summary>
    Clef,

    /// <summary><c>/serilog</c>, Serilog.Sinks.Http's JSON array (normal field set).</summary>
    SerilogHttp,

    /// <summary><c>/otlp/v1/logs</c>, OTLP/HTTP JSON.</summary>
    Otlp,
}

/// <summary>One request body: where to send it, its content type and bytes, and how many events it holds.</summary>
/// <param name="Path">The path below <c>/api/v1/streams/{tenant}/{name}</c>, e.g. <c>/entries</c>.</param>
/// <param name="ContentType">The content type to send.</param>
/// <param name="Body">The UTF-8 body.</param>
/// <param name="Count">Events in the body.</param>
public sealed record SampleBatch(string Path, string ContentType, byte[] Body, int Count)
{
    /// <summary>The body as HTTP content with its content type.</summary>
    public HttpContent ToContent()
    {
        var content = new ByteArrayContent(Body);
        content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        return content;
    }
}

/// <summary>
/// Builds realistic request bodies in each ingestion format: a template, its rendering, a few properties (about 300
/// bytes of JSON per event), levels cycling, trace ids on some events. Bodies are reproducible from their arguments.
/// </summary>
public static class SampleBatches
{
    private static readonly string[] Levels = ["Information", "Debug", "Warning", "Information", "Error", "Information"];

    /// <summary>A body of <paramref name="count"/> events numbered from <paramref name="first"/>.</summary>
    /// <param name="format">The format.</param>
    /// <param name="count">Events in the body.</param>
    /// <param name="first">The number of the first event (appears in its properties).</param>
    /// <param name="batchId">A native batch's <c>batchId</c> (other formats carry it in a header).</param>
    public static SampleBatch Create(IngestFormat format, int count, long first = 0, string? batchId = null) => format switch
    {
        IngestFormat.Native => new("/entries", "application/vnd.logservice.batch+json", Native(count, first, batchId), count),
        IngestFormat.Clef => new("/clef", "application/vnd.serilog.clef", Clef(count, first), count),
        IngestFormat.SerilogHttp => new("/serilog", "application/json", SerilogHttp(count, first), count),
        IngestFormat.Otlp => new("/otlp/v1/logs", "application/json", Otlp(count, first), count),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    private static byte[] Native(int count, long first, string? batchId)
    {
        var json = new StringBuilder(count * 340);
        json.Append('{');
        if (batchId is not null)
        {
            json.Append(CultureInfo.InvariantCulture, $"\"batchId\":\"{batchId}\",");
        }

        json.Append("\"source\":{\"application\":\"orders\",\"node\":\"web-1\"},\"entries\":[");
        for (var i = 0; i < count; i++)
        {
            var n = first + i;
            json.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture,
                $"{{\"timestamp\":\"{Now(n)}\",\"level\":\"{Levels[n % Levels.Length]}\",\"messageTemplate\":\"Order {{OrderId}} for {{Customer}} shipped in {{Elapsed:0.0}} ms\",\"renderedMessage\":\"Order {n} for \\\"c-{n % 97}\\\" shipped in {n % 1000}.5 ms\",{Trace(n)}\"properties\":{{\"OrderId\":{n},\"Customer\":\"c-{n % 97}\",\"Elapsed\":{n % 1000}.5,\"Region\":\"eu-west\",\"Items\":[1,2,3]}}}}");
        }

        return Encoding.UTF8.GetBytes(json.Append("]}").ToString());
    }

    private static byte[] Clef(int count, long first)
    {
        var text = new StringBuilder(count * 300);
        for (var i = 0; i < count; i++)
        {
            var n = first + i;
            text.Append(CultureInfo.InvariantCulture,
                $"{{\"@t\":\"{Now(n)}\",\"@mt\":\"Payment {{PaymentId}} of {{Amount}} accepted\",\"@l\":\"{Levels[n % Levels.Length]}\",\"PaymentId\":{n},\"Amount\":{n % 500}.25,\"Currency\":\"EUR\",\"Gateway\":\"psp-{n % 3}\"}}\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static byte[] SerilogHttp(int count, long first)
    {
        var json = new StringBuilder(count * 320).Append('[');
        for (var i = 0; i < count; i++)
        {
            var n = first + i;
            json.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture,
                $"{{\"Timestamp\":\"{Now(n)}\",\"Level\":\"{Levels[n % Levels.Length]}\",\"MessageTemplate\":\"User {{UserId}} signed in from {{Address}}\",\"RenderedMessage\":\"User {n} signed in from \\\"10.0.{n % 250}.1\\\"\",\"Properties\":{{\"UserId\":{n},\"Address\":\"10.0.{n % 250}.1\",\"Attempt\":{n % 3}}}}}");
        }

        return Encoding.UTF8.GetBytes(json.Append(']').ToString());
    }

    private static byte[] Otlp(int count, long first)
    {
        var json = new StringBuilder(count * 360)
            .Append("{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"billing\"}},{\"key\":\"host.name\",\"value\":{\"stringValue\":\"node-7\"}}]},\"scopeLogs\":[{\"scope\":{\"name\":\"billing.api\"},\"logRecords\":[");
        for (var i = 0; i < count; i++)
        {
            var n = first + i;
            var nanos = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000) + (n % 1000);
            json.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture,
                $"{{\"timeUnixNano\":\"{nanos}\",\"severityNumber\":{9 + (4 * (int)(n % 3))},\"body\":{{\"stringValue\":\"invoice {n} settled\"}},\"attributes\":[{{\"key\":\"invoice.id\",\"value\":{{\"intValue\":\"{n}\"}}}},{{\"key\":\"amount\",\"value\":{{\"doubleValue\":{n % 900}.5}}}}],\"traceId\":\"{TraceId(n)}\",\"spanId\":\"{SpanId(n)}\"}}");
        }

        return Encoding.UTF8.GetBytes(json.Append("]}]}]}").ToString());
    }

    private static string Now(long n) => DateTime.UtcNow.AddTicks(-(n % 1000) * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static string Trace(long n) => n % 4 == 0 ? $"\"traceId\":\"{TraceId(n)}\",\"spanId\":\"{SpanId(n)}\"," : "";

    private static string TraceId(long n) => (n + 1).ToString("x32", CultureInfo.InvariantCulture);

    private static string SpanId(long n) => (n + 1).ToString("x16", CultureInfo.InvariantCulture);
}
