using LogService.Core.Entries;
using LogService.Server.Ingestion;
using LogService.Server.Tests.Ingestion.Support;
using Serilog.Events;

namespace LogService.Server.Tests.Ingestion;

public class ClefFormatTests
{
    private readonly IIngestFormat _format = IngestFormats.Clef(new IngestLimits(), TimeProvider.System);

    [Fact]
    public void EventsFromARealSerilogLoggerKeepEveryField()
    {
        var events = SerilogPayloads.Capture(log =>
        {
            log.Information("Order {OrderId} paid {Amount:0.00} by {@Customer}", 42, 9.5m, new { Name = "Ana", Tags = new[] { "vip" } });
            log.ForContext("@odd", "escaped").Error(new InvalidOperationException("boom"), "Payment {PaymentId} failed", "p-1");
        });
        var payload = SerilogPayloads.Clef(events);

        var entries = Samples.ParseOk(_format, Samples.Utf8(payload)).Entries;

        Assert.Equal(2, entries.Count);
        var paid = entries[0];
        Assert.Equal(EntryLevel.Information, paid.Level);
        Assert.Equal("Order {OrderId} paid {Amount:0.00} by {@Customer}", paid.Body.MessageTemplate);
        Assert.Equal(["9.50"], paid.Body.Renderings.ToArray());
        Assert.Equal(["OrderId", "Amount", "Customer"], paid.Body.Properties.Select(p => p.Name));
        Assert.Equal("9.5", paid.Body.Properties[1].Value.Text);
        Assert.Equal("{\"Name\":\"Ana\",\"Tags\":[\"vip\"]}", paid.Body.Properties[2].Value.ToString());
        Assert.Equal(EventTypes.FromTemplate(paid.Body.MessageTemplate!), paid.EventType);
        Assert.Equal(events[0].TraceId!.Value.ToHexString(), paid.Body.TraceId);
        Assert.Equal(events[0].SpanId!.Value.ToHexString(), paid.Body.SpanId);
        Assert.Equal(EntryBody.ToUnixMicros(events[0].Timestamp), paid.Body.TimestampUnixMicros);

        var failed = entries[1];
        Assert.Equal(EntryLevel.Error, failed.Level);
        Assert.StartsWith("System.InvalidOperationException: boom", failed.Body.Exception, StringComparison.Ordinal);
        Assert.Contains(failed.Body.Properties, p => p.Name == "@odd" && p.Value.Text == "escaped");
    }

    [Fact]
    public void RenderedMessageAndEveryLevelComeThrough()
    {
        var events = SerilogPayloads.Capture(log =>
        {
            foreach (var level in Enum.GetValues<LogEventLevel>())
            {
                log.Write(level, "At {Level}", level);
            }
        });

        var entries = Samples.ParseOk(_format, Samples.Utf8(SerilogPayloads.Clef(events, rendered: true))).Entries;

        Assert.Equal([EntryLevel.Verbose, EntryLevel.Debug, EntryLevel.Information, EntryLevel.Warning, EntryLevel.Error, EntryLevel.Fatal], entries.Select(e => e.Level));
        Assert.Equal("At Fatal", entries[5].Body.RenderedMessage);
    }

    [Fact]
    public void TheSeqDocumentationShapeParsesWithBlankLinesAndCrLf()
    {
        var format = IngestFormats.Clef(new IngestLimits(), FixedClock.SampleDay);
        var payload = Samples.Read("clef-seq-sample.clef").Concat("\r\n{\"@t\":\"2026-11-21T14:00:03Z\",\"@m\":\"plain\",\"@i\":\"0x1A2b\"}\r\n"u8.ToArray()).ToArray();

        var entries = Samples.ParseOk(format, payload).Entries;

        Assert.Equal(3, entries.Count);
        Assert.Equal(EntryLevel.Debug, entries[1].Level);
        Assert.Equal("bob", entries[1].Body.Properties.Single().Value.Text);
        Assert.Equal(0x1A2Bu, entries[2].EventType);
        Assert.Equal("plain", entries[2].Body.RenderedMessage);
    }

    [Theory]
    [InlineData("{\"@t\":\"2026-11-21T14:00:00Z\",\"@l\":\"Loud\"}", "@l", "Unknown level 'Loud'")]
    [InlineData("{\"@t\":\"yesterday\"}", "@t", "not an ISO 8601 timestamp")]
    [InlineData("{\"@t\":42}", "@t", "Expected an ISO 8601 timestamp string, found a number")]
    [InlineData("{\"@mt\":\"no time\"}", "@t", "needs a timestamp")]
    [InlineData("{\"@t\":\"2026-11-21T14:00:00Z\",\"@tr\":\"xyz\"}", "@tr", "32 hexadecimal digits")]
    [InlineData("{\"@t\":\"2026-11-21T14:00:00Z\",\"@i\":true}", "@i", "a number or a hexadecimal string")]
    [InlineData("{\"@t\":\"2026-11-21T14:00:00Z\",\"A\":1,\"A\":2}", "A", "occurs twice")]
    [InlineData("[1,2]", null, "a JSON object per event")]
    public void InvalidEventsNameTheLineFieldAndReason(string badLine, string? field, string reason)
    {
        var format = IngestFormats.Clef(new IngestLimits(), FixedClock.SampleDay);
        var payload = "{\"@t\":\"2026-11-21T14:00:00Z\",\"@mt\":\"ok\"}\n\n" + badLine + "\n";

        var error = Samples.ParseError(format, payload);

        Assert.Equal(IngestErrorKind.InvalidEntry, error.Kind);
        Assert.Equal(1, error.EventIndex);
        Assert.Equal(3, error.LineNumber);
        Assert.Equal(field, error.Field);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"@t\":\"2026-11-21T14:00:00Z\",\"@mt\":\"cut")]
    [InlineData("{\"@t\":\"2026-11-21T14:00:00Z\"} trailing")]
    [InlineData("{\"@t\":\"2026-11-21T14:00:00Z\",}")]
    public void TruncatedOrBrokenLinesAreMalformedAtTheirLine(string badLine)
    {
        var format = IngestFormats.Clef(new IngestLimits(), FixedClock.SampleDay);

        var error = Samples.ParseError(format, "{\"@t\":\"2026-11-21T14:00:00Z\"}\n" + badLine);

        Assert.Equal(IngestErrorKind.MalformedPayload, error.Kind);
        Assert.Equal(1, error.EventIndex);
        Assert.Equal(2, error.LineNumber);
    }

    [Fact]
    public void APrettyPrintedEventIsAcceptedAndErrorsNameTheLineItStartsOn()
    {
        var format = IngestFormats.Clef(new IngestLimits(), FixedClock.SampleDay);
        const string Pretty = "{\n  \"@t\": \"2026-11-21T14:00:00Z\",\n  \"@mt\": \"Hi {Name}\",\n  \"Name\": \"Bo\"\n}\n";

        var entry = Samples.ParseOk(format, Samples.Utf8(Pretty)).Entries.Single();
        var error = Samples.ParseError(format, Pretty + Pretty.Replace("\"Bo\"", "\"Bo\",\n  \"@l\": 3", StringComparison.Ordinal));

        Assert.Equal("Bo", entry.Body.Properties.Single().Value.Text);
        Assert.Equal((1, 6, "@l"), (error.EventIndex!.Value, error.LineNumber!.Value, error.Field));
    }

    [Fact]
    public void OnlyBlankLinesIsAnEmptyPayload()
    {
        Assert.Equal(IngestErrorKind.EmptyPayload, Samples.ParseError(_format, "\n  \r\n").Kind);
    }
}
