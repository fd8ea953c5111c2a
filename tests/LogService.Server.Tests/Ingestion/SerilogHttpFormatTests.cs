using LogService.Core.Entries;
using LogService.Server.Ingestion;
using LogService.Server.Tests.Ingestion.Support;

namespace LogService.Server.Tests.Ingestion;

public class SerilogHttpFormatTests
{
    private readonly IIngestFormat _live = IngestFormats.SerilogHttp(new IngestLimits(), TimeProvider.System);
    private readonly IIngestFormat _sample = IngestFormats.SerilogHttp(new IngestLimits(), FixedClock.SampleDay);

    [Fact]
    public void NormalRenderedArrayFromARealLoggerParses()
    {
        var events = SerilogPayloads.Capture(log =>
        {
            log.Warning("Disk {Disk} at {Percent:P0} ({Percent:0.0})", "sda", 0.917);
            log.Error(new TimeoutException("slow"), "Call to {Service} timed out", "billing");
        });

        var entries = Samples.ParseOk(_live, Samples.Utf8(SerilogPayloads.SinkHttpNormalArray(events))).Entries;

        Assert.Equal(2, entries.Count);
        Assert.Equal(EntryLevel.Warning, entries[0].Level);
        Assert.Equal(events[0].RenderMessage(), entries[0].Body.RenderedMessage);
        Assert.Equal(2, entries[0].Body.Renderings.Length);
        Assert.Equal("0.9", entries[0].Body.Renderings[1]);
        Assert.StartsWith("System.TimeoutException: slow", entries[1].Body.Exception, StringComparison.Ordinal);
        Assert.Equal("billing", entries[1].Body.Properties.Single().Value.Text);
        Assert.Equal(EntryBody.ToUnixMicros(events[1].Timestamp), entries[1].Body.TimestampUnixMicros);
    }

    [Fact]
    public void CompactEventsBatchFromARealLoggerParses()
    {
        var events = SerilogPayloads.Capture(log => log.Debug("Cache {Key} miss", "user:1"));

        var entry = Samples.ParseOk(_live, Samples.Utf8(SerilogPayloads.SinkHttpCompactEvents(events))).Entries.Single();

        Assert.Equal(EntryLevel.Debug, entry.Level);
        Assert.Equal("Cache {Key} miss", entry.Body.MessageTemplate);
        Assert.NotNull(entry.Body.TraceId);
    }

    [Fact]
    public void NormalSampleKeepsRenderingsOffsetTimestampsAndNesting()
    {
        var entries = Samples.ParseOk(_sample, Samples.Read("serilog-http-normal.json")).Entries;

        Assert.Equal(new DateTimeOffset(2026, 11, 21, 14, 0, 0, TimeSpan.Zero).AddTicks(1234567).UtcTicks / 10, entries[0].Body.Timestamp.UtcTicks / 10);
        Assert.Equal(["4.20"], entries[0].Body.Renderings.ToArray());
        Assert.Equal("{\"Weight\":2.5,\"Carrier\":\"DHL\"}", entries[0].Body.Properties[0].Value.ToString());
        Assert.Equal(EntryLevel.Error, entries[1].Level);
        Assert.Equal("System.IO.IOException: paper jam", entries[1].Body.Exception);
    }

    [Fact]
    public void CompactEventsSampleUnescapesDoubledAt()
    {
        var entries = Samples.ParseOk(_sample, Samples.Read("serilog-http-compact-events.json")).Entries;

        Assert.Equal(EntryLevel.Warning, entries[1].Level);
        Assert.Equal("Queue \"labels\" backed up", entries[1].Body.RenderedMessage);
        Assert.Equal(["Queue", "@source"], entries[1].Body.Properties.Select(p => p.Name));
    }

    [Theory]
    [InlineData("[{\"Timestamp\":\"2026-11-21T14:00:00Z\",\"Levle\":\"Information\"}]", "Levle", "Unknown field 'Levle'")]
    [InlineData("[{\"Timestamp\":\"2026-11-21T14:00:00Z\",\"Properties\":[]}]", "Properties", "Expected an object, found an array")]
    [InlineData("[{\"Timestamp\":\"2026-11-21T14:00:00Z\",\"MessageTemplate\":\"{A:0}\",\"Renderings\":{\"B\":[{\"Format\":\"0\",\"Rendering\":\"1\"}]}}]", "Renderings", "do not match")]
    [InlineData("[{\"Timestamp\":\"2026-11-21T14:00:00Z\",\"Level\":5}]", "Level", "Expected a level name, found a number")]
    public void InvalidEventsAreRejectedWithTheField(string payload, string field, string reason)
    {
        var error = Samples.ParseError(_sample, payload);

        Assert.Equal(IngestErrorKind.InvalidEntry, error.Kind);
        Assert.Equal(0, error.EventIndex);
        Assert.Equal(field, error.Field);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"records\":[]}")]
    [InlineData("{\"events\":[],\"extra\":1}")]
    [InlineData("\"events\"")]
    public void OtherBatchShapesAreMalformed(string payload) =>
        Assert.Equal(IngestErrorKind.MalformedPayload, Samples.ParseError(_sample, payload).Kind);
}
