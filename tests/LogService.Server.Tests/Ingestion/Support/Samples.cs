using System.Text;
using LogService.Server.Ingestion;

namespace LogService.Server.Tests.Ingestion.Support;

/// <summary>Sample payloads checked in under Ingestion/Samples, and helpers to parse them.</summary>
internal static class Samples
{
    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Ingestion", "Samples", name));

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static IngestResult ParseOk(IIngestFormat format, byte[] payload)
    {
        var result = format.Parse(payload);
        Assert.True(result.IsSuccess, result.Error?.ToString());
        return result;
    }

    public static IngestError ParseError(IIngestFormat format, string payload) => ParseError(format, Utf8(payload));

    public static IngestError ParseError(IIngestFormat format, byte[] payload)
    {
        var result = format.Parse(payload);
        Assert.False(result.IsSuccess, "The payload was accepted.");
        return result.Error!;
    }
}
