using System.Globalization;
using Serilog.Events;
using Serilog.Formatting.Json;
using Serilog.Parsing;

namespace Serilog.Sinks.LogService.Formatting;

/// <summary>
/// Writes one event as one CLEF line (the compact format Seq and LogService's <c>/clef</c> endpoint read): <c>@t</c>,
/// <c>@mt</c>, <c>@l</c> (omitted for Information), <c>@x</c>, <c>@r</c> (renderings of formatted tokens),
/// <c>@tr</c>, <c>@sp</c>, then the properties; a property whose name starts with <c>@</c> is written as <c>@@name</c>.
/// </summary>
internal static class ClefFormatter
{
    private static readonly JsonValueFormatter ValueFormatter = new(typeTagName: "$type");

    /// <summary>Writes <paramref name="logEvent"/> without a line break.</summary>
    public static void Write(LogEvent logEvent, TextWriter output)
    {
        output.Write("{\"@t\":\"");
        output.Write(logEvent.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
        output.Write("\",\"@mt\":");
        JsonValueFormatter.WriteQuotedJsonString(logEvent.MessageTemplate.Text, output);

        if (logEvent.Level != LogEventLevel.Information)
        {
            output.Write(",\"@l\":\"");
            output.Write(LevelName(logEvent.Level));
            output.Write('"');
        }

        if (logEvent.Exception is not null)
        {
            output.Write(",\"@x\":");
            JsonValueFormatter.WriteQuotedJsonString(logEvent.Exception.ToString(), output);
        }

        WriteRenderings(logEvent, output);

        if (logEvent.TraceId is { } traceId)
        {
            output.Write(",\"@tr\":\"");
            output.Write(traceId.ToHexString());
            output.Write('"');
        }

        if (logEvent.SpanId is { } spanId)
        {
            output.Write(",\"@sp\":\"");
            output.Write(spanId.ToHexString());
            output.Write('"');
        }

        foreach (var (name, value) in logEvent.Properties)
        {
            output.Write(',');
            JsonValueFormatter.WriteQuotedJsonString(name.StartsWith('@') ? "@" + name : name, output);
            output.Write(':');
            ValueFormatter.Format(value, output);
        }

        output.Write('}');
    }

    private static void WriteRenderings(LogEvent logEvent, TextWriter output)
    {
        var first = true;
        foreach (var token in logEvent.MessageTemplate.Tokens)
        {
            if (token is not PropertyToken { Format: not null } property)
            {
                continue;
            }

            output.Write(first ? ",\"@r\":[" : ",");
            first = false;
            using var rendered = new StringWriter(CultureInfo.InvariantCulture);
            property.Render(logEvent.Properties, rendered, CultureInfo.InvariantCulture);
            JsonValueFormatter.WriteQuotedJsonString(rendered.ToString(), output);
        }

        if (!first)
        {
            output.Write(']');
        }
    }

    private static string LevelName(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => "Verbose",
        LogEventLevel.Debug => "Debug",
        LogEventLevel.Information => "Information",
        LogEventLevel.Warning => "Warning",
        LogEventLevel.Error => "Error",
        _ => "Fatal",
    };
}
