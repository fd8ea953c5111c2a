using System.Diagnostics;
using System.Text;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Json;
using Serilog.Parsing;

namespace LogService.Server.Tests.Ingestion.Support;

/// <summary>
/// Real payloads from a real Serilog 3.1.1 logger. Serilog.Formatting.Compact and Serilog.Sinks.Http are not on
/// this machine's package source, so their documented field sets are written here with Serilog's own
/// <see cref="JsonValueFormatter"/>, the same value writer those packages use.
/// </summary>
internal static class SerilogPayloads
{
    /// <summary>Captures the events a scenario logs, with an ambient activity so trace and span ids are set.</summary>
    public static IReadOnlyList<LogEvent> Capture(Action<ILogger> scenario)
    {
        var sink = new CollectingSink();
        using var logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(sink).CreateLogger();
        using var activity = new Activity("ingest-test").SetIdFormat(ActivityIdFormat.W3C).Start();
        scenario(logger);
        return sink.Events;
    }

    /// <summary>Newline-delimited CLEF as Serilog.Formatting.Compact's CompactJsonFormatter writes it.</summary>
    public static string Clef(IEnumerable<LogEvent> events, bool rendered = false) => Write(events, new ClefFormatter(rendered), "");

    /// <summary>A Serilog.Sinks.Http ArrayBatchFormatter batch of NormalRenderedTextFormatter events.</summary>
    public static string SinkHttpNormalArray(IEnumerable<LogEvent> events) => "[" + Write(events, new NormalFormatter(), ",").TrimEnd(',', '\n') + "]";

    /// <summary>A Serilog.Sinks.Http DefaultBatchFormatter batch (<c>{"events":[…]}</c>) of CompactTextFormatter events.</summary>
    public static string SinkHttpCompactEvents(IEnumerable<LogEvent> events) =>
        "{\"events\":[" + Write(events, new ClefFormatter(rendered: false), ",").TrimEnd(',', '\n') + "]}";

    private static string Write(IEnumerable<LogEvent> events, ITextFormatter formatter, string separator)
    {
        var output = new StringWriter { NewLine = "\n" };
        foreach (var e in events)
        {
            formatter.Format(e, output);
            output.Write(separator);
        }

        return output.ToString();
    }

    private static IEnumerable<PropertyToken> FormattedTokens(LogEvent e) =>
        e.MessageTemplate.Tokens.OfType<PropertyToken>().Where(t => t.Format is not null);

    private sealed class CollectingSink : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }

    private sealed class ClefFormatter(bool rendered) : ITextFormatter
    {
        private static readonly JsonValueFormatter Values = new("$type");

        public void Format(LogEvent e, TextWriter output)
        {
            output.Write("{\"@t\":\"");
            output.Write(e.Timestamp.UtcDateTime.ToString("O"));
            output.Write("\",\"@mt\":");
            JsonValueFormatter.WriteQuotedJsonString(e.MessageTemplate.Text, output);
            if (rendered)
            {
                output.Write(",\"@m\":");
                JsonValueFormatter.WriteQuotedJsonString(e.MessageTemplate.Render(e.Properties), output);
            }

            var renderings = FormattedTokens(e).Select(t => { var w = new StringWriter(); t.Render(e.Properties, w); return w.ToString(); }).ToList();
            if (renderings.Count > 0)
            {
                output.Write(",\"@r\":[" + string.Join(",", renderings.Select(Quote)) + "]");
            }

            if (e.Level != LogEventLevel.Information)
            {
                output.Write($",\"@l\":\"{e.Level}\"");
            }

            if (e.Exception is not null)
            {
                output.Write(",\"@x\":" + Quote(e.Exception.ToString()));
            }

            if (e.TraceId is { } traceId)
            {
                output.Write($",\"@tr\":\"{traceId.ToHexString()}\"");
            }

            if (e.SpanId is { } spanId)
            {
                output.Write($",\"@sp\":\"{spanId.ToHexString()}\"");
            }

            foreach (var (name, value) in e.Properties)
            {
                output.Write(',');
                JsonValueFormatter.WriteQuotedJsonString(name.StartsWith('@') ? "@" + name : name, output);
                output.Write(':');
                Values.Format(value, output);
            }

            output.WriteLine('}');
        }
    }

    private sealed class NormalFormatter : ITextFormatter
    {
        private static readonly JsonValueFormatter Values = new("$type");

        public void Format(LogEvent e, TextWriter output)
        {
            output.Write("{\"Timestamp\":\"" + e.Timestamp.ToString("o") + "\",\"Level\":\"" + e.Level + "\",\"MessageTemplate\":");
            JsonValueFormatter.WriteQuotedJsonString(e.MessageTemplate.Text, output);
            output.Write(",\"RenderedMessage\":" + Quote(e.MessageTemplate.Render(e.Properties)));
            if (e.Exception is not null)
            {
                output.Write(",\"Exception\":" + Quote(e.Exception.ToString()));
            }

            if (e.Properties.Count > 0)
            {
                output.Write(",\"Properties\":{");
                var first = true;
                foreach (var (name, value) in e.Properties)
                {
                    output.Write(first ? "" : ",");
                    first = false;
                    JsonValueFormatter.WriteQuotedJsonString(name, output);
                    output.Write(':');
                    Values.Format(value, output);
                }

                output.Write('}');
            }

            var groups = FormattedTokens(e).GroupBy(t => t.PropertyName).ToList();
            if (groups.Count > 0)
            {
                var parts = groups.Select(g => Quote(g.Key) + ":[" + string.Join(",", g.Select(t =>
                {
                    var w = new StringWriter();
                    t.Render(e.Properties, w);
                    return "{\"Format\":" + Quote(t.Format!) + ",\"Rendering\":" + Quote(w.ToString()) + "}";
                })) + "]");
                output.Write(",\"Renderings\":{" + string.Join(",", parts) + "}");
            }

            output.WriteLine('}');
        }
    }

    private static string Quote(string text)
    {
        var w = new StringWriter(new StringBuilder());
        JsonValueFormatter.WriteQuotedJsonString(text, w);
        return w.ToString();
    }
}
