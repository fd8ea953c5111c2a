using LogService.Core.Entries;
using LogService.Server.Ingestion;
using LogService.Server.Tests.Ingestion.Support;

namespace LogService.Server.Tests.Ingestion;

public class NativeBatchFormatTests
{
    private const string Batch = """
        {
          "batchId": "01JD7Q3ZK8-orders",
          "source": { "application": "orders", "node": "web-1", "user": "svc-orders" },
          "sequenceStart": 500,
          "entries": [
            {
              "timestamp": "2026-11-21T14:00:00.123456Z",
              "level": "Warning",
              "messageTemplate": "Stock for {Sku} low: {Left:000}",
              "renderedMessage": "Stock for \"A-1\" low: 003",
              "renderings": ["003"],
              "traceId": "4bf92f3577b34da6a3ce929d0e0e4736",
              "spanId": "00f067aa0ba902b7",
              "eventType": "0xA1B2C3D4",
              "properties": { "Sku": "A-1", "Left": 3 }
            },
            { "timestamp": 1795269601000000, "level": 4, "exception": "System.Exception: x", "eventType": 7 }
          ]
        }
        """;

    private readonly IIngestFormat _format = IngestFormats.Native(new IngestLimits(), FixedClock.SampleDay);

    [Fact]
    public void FullBatchParsesWithSequencesAndSource()
    {
        var result = Samples.ParseOk(_format, Samples.Utf8(Batch));

        Assert.Equal("01JD7Q3ZK8-orders", result.BatchId);
        var (first, second) = (result.Entries[0], result.Entries[1]);
        Assert.Equal(1_795_269_600_123_456, first.Body.TimestampUnixMicros);
        Assert.Equal(EntryLevel.Warning, first.Level);
        Assert.Equal(0xA1B2C3D4u, first.EventType);
        Assert.Equal(["003"], first.Body.Renderings.ToArray());
        Assert.Equal(new SourceHints("orders", "web-1", "svc-orders"), first.Body.Source);
        Assert.Equal(500L, first.Sequence);
        Assert.All(result.Entries, e => Assert.Null(e.BatchId)); // the request's batch id, not repeated in every entry
        Assert.Equal(501L, second.Sequence);
        Assert.Equal(EntryLevel.Error, second.Level);
        Assert.Equal(7u, second.EventType);
    }

    [Fact]
    public void HeaderAfterEntriesMeansTheSame()
    {
        var reordered = """{"entries":[{"timestamp":"2026-11-21T14:00:00Z"}],"sequenceStart":9,"batchId":"b1","source":{"node":"n"}}""";

        var result = Samples.ParseOk(_format, Samples.Utf8(reordered));
        var entry = result.Entries.Single();

        Assert.Equal((9L, "b1", "n"), (entry.Sequence!.Value, result.BatchId!, entry.Body.Source.Node!));
    }

    [Fact]
    public void WithoutHeaderEntriesHaveNoSequenceOrBatch()
    {
        var entry = Samples.ParseOk(_format, Samples.Utf8("""{"entries":[{"timestamp":"2026-11-21T14:00:00Z","messageTemplate":"x"}]}""")).Entries.Single();

        Assert.Null(entry.Sequence);
        Assert.Null(entry.BatchId);
        Assert.Equal(EntryLevel.Information, entry.Level);
        Assert.Equal(EventTypes.FromTemplate("x"), entry.EventType);
    }

    [Theory]
    [InlineData("""{"batchId":"has space","entries":[]}""", "batchId", "A batch id")]
    [InlineData("""{"entries":[{"timestamp":"2026-11-21T14:00:00Z","level":9}]}""", "level", "0 (Verbose) to 5 (Fatal)")]
    [InlineData("""{"entries":[{"timestamp":"2026-11-21T14:00:00Z","msg":"x"}]}""", "msg", "Unknown field 'msg'")]
    [InlineData("""{"entries":[{"timestamp":"2026-11-21T14:00:00Z","properties":{"a":{"b":1,"b":2}}}]}""", "a", "occurs twice in one object")]
    [InlineData("""{"entries":[{"timestamp":"2026-11-21T14:00:00Z","messageTemplate":7}]}""", "messageTemplate", "Expected a string, found a number")]
    [InlineData("""{"sequenceStart":-1,"entries":[]}""", "sequenceStart", "non-negative")]
    [InlineData("""{"source":{"host":"x"},"entries":[]}""", "source.host", "Unknown field")]
    public void InvalidBatchesNameTheField(string payload, string field, string reason)
    {
        var error = Samples.ParseError(_format, payload);

        Assert.Equal(IngestErrorKind.InvalidEntry, error.Kind);
        Assert.Equal(field, error.Field);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"batchId\":\"b\"}")]
    [InlineData("{\"entries\":[{\"timestamp\":\"2026-11-21T14:00:00Z\"}]")]
    [InlineData("{\"entries\":[]} {}")]
    [InlineData("")]
    public void MalformedBatchesAreRejected(string payload) =>
        Assert.Equal(IngestErrorKind.MalformedPayload, Samples.ParseError(_format, payload).Kind);
}
