using LogService.Core.Entries;
using LogService.Server.Ingestion;
using LogService.Server.Tests.Ingestion.Support;

namespace LogService.Server.Tests.Ingestion;

public class OtlpJsonFormatTests
{
    private readonly IIngestFormat _format = IngestFormats.OtlpJson(new IngestLimits(), FixedClock.SampleDay);

    [Fact]
    public void SampleMapsEveryOtlpField()
    {
        var entries = Samples.ParseOk(_format, Samples.Read("otlp-logs.json")).Entries;

        Assert.Equal(2, entries.Count);
        var charged = entries[0];
        Assert.Equal(1_795_269_600_123_456, charged.Body.TimestampUnixMicros);
        Assert.Equal(EntryLevel.Information, charged.Level);
        Assert.Equal("5b8efff798038103d269b633813fc60c", charged.Body.TraceId);
        Assert.Equal("eee19b7ec3c1b174", charged.Body.SpanId);
        Assert.Equal("Charged card for order 1001", charged.Body.RenderedMessage);
        Assert.Equal("Charged card for order {OrderId}", charged.Body.MessageTemplate);
        Assert.Equal(EventTypes.FromTemplate("Charged card for order {OrderId}"), charged.EventType);
        Assert.Equal(new SourceHints("checkout", "node-3"), charged.Body.Source);
        var properties = charged.Body.Properties.ToDictionary(p => p.Name, p => p.Value.ToString());
        Assert.Equal("1001", properties["OrderId"]);
        Assert.Equal("12.5", properties["amount"]);
        Assert.Equal("true", properties["captured"]);
        Assert.Equal("[\"eu\",\"card\"]", properties["tags"]);
        Assert.Equal("{\"brand\":\"visa\"}", properties["card"]);
        Assert.Equal("{\"service.name\":\"checkout\",\"host.name\":\"node-3\"}", properties["otel.resource"]);
        Assert.Equal("{\"name\":\"Checkout.Payments\",\"version\":\"2.1.0\",\"attributes\":{\"team\":\"payments\"}}", properties["otel.scope"]);
        Assert.DoesNotContain("{OriginalFormat}", properties.Keys);

        var timeout = entries[1];
        Assert.Equal(EntryLevel.Error, timeout.Level);
        Assert.Equal("System.TimeoutException: provider\n   at Checkout.Pay()", timeout.Body.Exception);
        Assert.Equal(EventTypes.FromTemplate("payment.timeout"), timeout.EventType);
        Assert.Contains(timeout.Body.Properties, p => p.Name == "exception.type");
    }

    [Theory]
    [InlineData(1, EntryLevel.Verbose)]
    [InlineData(4, EntryLevel.Verbose)]
    [InlineData(5, EntryLevel.Debug)]
    [InlineData(12, EntryLevel.Information)]
    [InlineData(13, EntryLevel.Warning)]
    [InlineData(20, EntryLevel.Error)]
    [InlineData(21, EntryLevel.Fatal)]
    [InlineData(24, EntryLevel.Fatal)]
    public void SeverityNumbersMapToLevels(int severity, EntryLevel level)
    {
        var entry = Samples.ParseOk(_format, Samples.Utf8(Record($"\"severityNumber\":{severity}"))).Entries.Single();

        Assert.Equal(level, entry.Level);
    }

    [Fact]
    public void MissingSeverityFallsBackToTextThenInformation()
    {
        Assert.Equal(EntryLevel.Warning, Samples.ParseOk(_format, Samples.Utf8(Record("\"severityText\":\"WARN\""))).Entries[0].Level);
        Assert.Equal(EntryLevel.Information, Samples.ParseOk(_format, Samples.Utf8(Record("\"severityText\":\"notice\""))).Entries[0].Level);
    }

    [Fact]
    public void ZeroTimeFallsBackToObservedTimeThenTheServerClock()
    {
        var observed = Samples.ParseOk(_format, Samples.Utf8(Record("\"timeUnixNano\":\"0\",\"observedTimeUnixNano\":\"1795269000000000000\""))).Entries[0];
        var stamped = Samples.ParseOk(_format, Samples.Utf8("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{}]}]}]}")).Entries[0];

        Assert.Equal(1_795_269_000_000_000, observed.Body.TimestampUnixMicros);
        Assert.Equal(EntryBody.ToUnixMicros(FixedClock.SampleDay.GetUtcNow()), stamped.Body.TimestampUnixMicros);
    }

    [Fact]
    public void NonStringBodyBecomesAProperty()
    {
        var entry = Samples.ParseOk(_format, Samples.Utf8(Record("\"body\":{\"kvlistValue\":{\"values\":[{\"key\":\"k\",\"value\":{\"intValue\":7}}]}}"))).Entries[0];

        Assert.Null(entry.Body.RenderedMessage);
        Assert.Equal("{\"k\":7}", entry.Body.Properties.Single(p => p.Name == "otel.body").Value.ToString());
    }

    [Theory]
    [InlineData("\"severityNumber\":25", "resourceLogs[0].scopeLogs[0].logRecords[1].severityNumber", "0 to 24")]
    [InlineData("\"timeUnixNano\":\"soon\"", "resourceLogs[0].scopeLogs[0].logRecords[1].timeUnixNano", "nanoseconds")]
    [InlineData("\"traceId\":\"abc\"", "resourceLogs[0].scopeLogs[0].logRecords[1].traceId", "32 hexadecimal")]
    [InlineData("\"attributes\":[{\"key\":\"n\",\"value\":{\"intValue\":\"1.5\"}}]", "resourceLogs[0].scopeLogs[0].logRecords[1].attributes[0].value.intValue", "64-bit integer")]
    [InlineData("\"attributes\":[{\"value\":{\"stringValue\":\"x\"}}]", "resourceLogs[0].scopeLogs[0].logRecords[1].attributes[0]", "string \"key\"")]
    [InlineData("\"body\":{\"stringValue\":5}", "resourceLogs[0].scopeLogs[0].logRecords[1].body.stringValue", "wrong JSON type")]
    public void InvalidRecordsNameTheirPath(string fields, string path, string reason)
    {
        const string Time = "\"timeUnixNano\":\"1795269600000000000\"";
        var second = fields.Contains("timeUnixNano", StringComparison.Ordinal) ? fields : Time + "," + fields;
        var payload = "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{" + Time + "},{" + second + "}]}]}]}";

        var error = Samples.ParseError(_format, payload);

        Assert.Equal(IngestErrorKind.InvalidEntry, error.Kind);
        Assert.Equal(1, error.EventIndex);
        Assert.Equal(path, error.Field);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"resourceLogs\":[{\"scopeLogs\":[7]}]}", "resourceLogs[0].scopeLogs[0]")]
    [InlineData("{\"resourceLogs\":[{\"scopeLogs\":[{\"scope\":\"x\"}]}]}", "resourceLogs[0].scopeLogs[0].scope")]
    [InlineData("{\"resourceLogs\":[{\"resource\":[],\"scopeLogs\":[]}]}", "resourceLogs[0].resource")]
    [InlineData("{\"resourceLogs\":{}}", "resourceLogs")]
    [InlineData("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{}]}]},{\"resource\":{\"attributes\":{}}}]}", "resourceLogs[1].resource")]
    public void WrongShapesAboveTheRecordsNameTheirPath(string payload, string path)
    {
        var error = Samples.ParseError(_format, payload);

        Assert.Equal((IngestErrorKind.MalformedPayload, path, (int?)null), (error.Kind, error.Field, error.EventIndex));
    }

    [Fact]
    public void NoRecordsIsAnEmptyPayload() =>
        Assert.Equal(IngestErrorKind.EmptyPayload, Samples.ParseError(_format, "{\"resourceLogs\":[]}").Kind);

    private static string Record(string fields) =>
        "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":\"1795269600000000000\"," + fields + "}]}]}]}";
}
