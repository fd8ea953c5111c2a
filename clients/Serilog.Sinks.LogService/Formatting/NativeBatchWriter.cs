using System.Buffers;
using System.Text.Json;
using Serilog.Sinks.LogService.Buffer;

namespace Serilog.Sinks.LogService.Formatting;

/// <summary>
/// Turns a batch of buffered CLEF lines into LogService's native batch (<c>application/vnd.logservice.batch+json</c>):
/// the batch id, source hints and sequence start in the body, each CLEF event mapped to a native entry.
/// </summary>
internal static class NativeBatchWriter
{
    /// <summary>The native JSON body of <paramref name="batch"/>.</summary>
    public static byte[] Write(BufferBatch batch, string batchId, string? application, string? node)
    {
        var output = new ArrayBufferWriter<byte>(batch.Body.Length + 256);
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            writer.WriteString("batchId", batchId);
            if (application is not null || node is not null)
            {
                writer.WriteStartObject("source");
                if (application is not null)
                {
                    writer.WriteString("application", application);
                }

                if (node is not null)
                {
                    writer.WriteString("node", node);
                }

                writer.WriteEndObject();
            }

            writer.WriteNumber("sequenceStart", batch.FirstSequence);
            writer.WriteStartArray("entries");
            for (var i = 0; i < batch.Count; i++)
            {
                WriteEntry(writer, batch.Line(i).Span);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    private static void WriteEntry(Utf8JsonWriter writer, ReadOnlySpan<byte> clef)
    {
        using var document = JsonDocument.Parse(clef.ToArray());
        writer.WriteStartObject();
        var hasProperties = false;
        foreach (var member in document.RootElement.EnumerateObject())
        {
            var field = NativeField(member.Name);
            if (field is not null)
            {
                writer.WritePropertyName(field);
                member.Value.WriteTo(writer);
            }
            else
            {
                hasProperties = true;
            }
        }

        if (hasProperties)
        {
            writer.WriteStartObject("properties");
            foreach (var member in document.RootElement.EnumerateObject())
            {
                if (NativeField(member.Name) is not null)
                {
                    continue;
                }

                writer.WritePropertyName(member.Name.StartsWith("@@", StringComparison.Ordinal) ? member.Name[1..] : member.Name);
                member.Value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>The native field a reified CLEF name maps to; null for a property.</summary>
    private static string? NativeField(string clefName) => clefName switch
    {
        "@t" => "timestamp",
        "@mt" => "messageTemplate",
        "@m" => "renderedMessage",
        "@l" => "level",
        "@x" => "exception",
        "@i" => "eventType",
        "@r" => "renderings",
        "@tr" => "traceId",
        "@sp" => "spanId",
        _ => null,
    };
}
