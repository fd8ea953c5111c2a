using System.Text.Json;
using Serilog.Sinks.LogService.Buffer;

namespace Serilog.Sinks.LogService.Shipping;

/// <summary>
/// Batches the service refused for good, one JSON object per line: when, the batch id and sequences, the replica,
/// the status, the server's problem detail, and the events as they were sent. Nothing refused is lost; shipping
/// goes on with the events behind it.
/// </summary>
internal sealed class DeadLetterFile(string path)
{
    /// <summary>Where the dead letters are written.</summary>
    public string Path => path;

    /// <summary>Appends one refused batch and flushes it to the operating system.</summary>
    public void Write(BufferBatch batch, string batchId, Uri server, int status, byte[]? problem)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("time", DateTimeOffset.UtcNow);
            writer.WriteString("batchId", batchId);
            writer.WriteNumber("firstSequence", batch.FirstSequence);
            writer.WriteNumber("lastSequence", batch.LastSequence);
            writer.WriteString("server", server.ToString());
            writer.WriteNumber("status", status);
            writer.WritePropertyName("problem");
            WriteProblem(writer, problem);
            writer.WriteStartArray("events");
            for (var i = 0; i < batch.Count; i++)
            {
                writer.WriteRawValue(batch.Line(i).Span, skipInputValidation: true);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
    }

    private static void WriteProblem(Utf8JsonWriter writer, byte[]? problem)
    {
        if (problem is null || problem.Length == 0)
        {
            writer.WriteNullValue();
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(problem);
            document.RootElement.WriteTo(writer);
        }
        catch (JsonException)
        {
            writer.WriteStringValue(System.Text.Encoding.UTF8.GetString(problem));
        }
    }
}
