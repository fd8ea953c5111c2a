using System.Reflection;
using System.Text;
using LogService.Server.Ingestion;
using LogService.Server.Tests.Ingestion.Support;

namespace LogService.Server.Tests.Ingestion;

public class IngestLimitsTests
{
    private static readonly IngestLimits Defaults = new();

    [Fact]
    public void EveryLimitHasANonZeroDefault()
    {
        foreach (var property in typeof(IngestLimits).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = property.GetValue(Defaults);
            Assert.False(value is 0 || value is null || (value is TimeSpan span && span <= TimeSpan.Zero), $"{property.Name} has no default.");
        }

        Assert.Equal(10 * 1024 * 1024, Defaults.MaxRequestBytes);
        Assert.Equal(256 * 1024, Defaults.MaxEntryBytes);
    }

    [Fact]
    public void DefaultsPassValidationAndOutOfRangeSettingsFail()
    {
        static bool IsValid(IngestLimits limits) =>
            System.ComponentModel.DataAnnotations.Validator.TryValidateObject(limits, new(limits), null, validateAllProperties: true);

        Assert.True(IsValid(new IngestLimits()));
        Assert.False(IsValid(new IngestLimits { MaxAge = TimeSpan.FromDays(5000) }));
        Assert.False(IsValid(new IngestLimits { MaxPropertyDepth = 0 }));
        Assert.False(IsValid(new IngestLimits { MaxEntryBytes = 10 }));
    }

    [Fact]
    public void OversizedRequestIsRejectedWith413BeforeParsing()
    {
        var format = IngestFormats.Clef(new IngestLimits { MaxRequestBytes = 2048 }, FixedClock.SampleDay);

        var error = Samples.ParseError(format, new byte[2049]);

        Assert.Equal((IngestErrorKind.PayloadTooLarge, 413), (error.Kind, error.StatusCode));
    }

    [Fact]
    public void OversizedEntryIsRejectedWith413AndItsIndex()
    {
        var limits = new IngestLimits { MaxEntryBytes = 1024 };
        var big = new string('x', 1100);
        var payloads = new (IIngestFormat Format, string Payload)[]
        {
            (IngestFormats.Clef(limits, FixedClock.SampleDay), $"{{\"@t\":\"2026-11-21T14:00:00Z\"}}\n{{\"@t\":\"2026-11-21T14:00:00Z\",\"@m\":\"{big}\"}}"),
            (IngestFormats.SerilogHttp(limits, FixedClock.SampleDay), $"[{{\"@t\":\"2026-11-21T14:00:00Z\"}},{{\"@t\":\"2026-11-21T14:00:00Z\",\"@m\":\"{big}\"}}]"),
            (IngestFormats.Native(limits, FixedClock.SampleDay), $"{{\"entries\":[{{\"timestamp\":1795269600000000}},{{\"timestamp\":1795269600000000,\"renderedMessage\":\"{big}\"}}]}}"),
            (IngestFormats.OtlpJson(limits, FixedClock.SampleDay), $"{{\"resourceLogs\":[{{\"scopeLogs\":[{{\"logRecords\":[{{}},{{\"body\":{{\"stringValue\":\"{big}\"}}}}]}}]}}]}}"),
        };

        foreach (var (format, payload) in payloads)
        {
            var error = Samples.ParseError(format, payload);
            Assert.Equal((IngestErrorKind.EntryTooLarge, 413, 1), (error.Kind, error.StatusCode, error.EventIndex!.Value));
        }
    }

    [Fact]
    public void TooManyEntriesIsRejectedWith413()
    {
        var format = IngestFormats.Clef(new IngestLimits { MaxEntriesPerRequest = 3 }, FixedClock.SampleDay);
        var payload = string.Concat(Enumerable.Repeat("{\"@t\":\"2026-11-21T14:00:00Z\"}\n", 4));

        var error = Samples.ParseError(format, payload);

        Assert.Equal((IngestErrorKind.TooManyEntries, 3, 4), (error.Kind, error.EventIndex!.Value, error.LineNumber!.Value));
    }

    [Fact]
    public void PropertiesDeeperThanTheLimitAreRejected()
    {
        var format = IngestFormats.Clef(new IngestLimits { MaxPropertyDepth = 3 }, FixedClock.SampleDay);

        Assert.True(format.Parse(Samples.Utf8("{\"@t\":\"2026-11-21T14:00:00Z\",\"P\":{\"a\":{\"b\":1}}}")).IsSuccess);
        var error = Samples.ParseError(format, "{\"@t\":\"2026-11-21T14:00:00Z\",\"P\":{\"a\":{\"b\":[1]}}}");

        Assert.Equal((IngestErrorKind.InvalidEntry, "P"), (error.Kind, error.Field));
        Assert.Contains("at most 3 levels", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DeepOtlpValuesAreRejectedByTheSameRule()
    {
        var format = IngestFormats.OtlpJson(new IngestLimits { MaxPropertyDepth = 2 }, FixedClock.SampleDay);
        var nested = "{\"kvlistValue\":{\"values\":[{\"key\":\"b\",\"value\":{\"arrayValue\":{\"values\":[{\"intValue\":1}]}}}]}}";

        var error = Samples.ParseError(format, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"attributes\":[{\"key\":\"a\",\"value\":" + nested + "}]}]}]}]}");

        Assert.Contains("at most 2 levels", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TooManyPropertyValuesAreRejected()
    {
        var format = IngestFormats.Native(new IngestLimits { MaxPropertyValues = 5 }, FixedClock.SampleDay);

        var error = Samples.ParseError(format, "{\"entries\":[{\"timestamp\":1795269600000000,\"properties\":{\"a\":[1,2,3,4,5]}}]}");

        Assert.Contains("at most 5 property values", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LongPropertyNamesAreRejected()
    {
        var format = IngestFormats.Clef(new IngestLimits { MaxPropertyNameLength = 8 }, FixedClock.SampleDay);

        var error = Samples.ParseError(format, "{\"@t\":\"2026-11-21T14:00:00Z\",\"NineChars\":1}");

        Assert.Contains("at most 8 characters", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-11-21T14:10:01Z", "ahead")]
    [InlineData("2026-10-01T00:00:00Z", "behind")]
    [InlineData("0001-01-01T00:00:00Z", "behind")]
    public void TimestampsOutsideTheWindowAreRejected(string timestamp, string direction)
    {
        var format = IngestFormats.Clef(new IngestLimits(), FixedClock.SampleDay);

        var error = Samples.ParseError(format, $"{{\"@t\":\"{timestamp}\"}}");

        Assert.Equal("@t", error.Field);
        Assert.Contains(direction, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TimestampsWithoutOffsetAreUtcWithOffsetAreConverted()
    {
        var format = IngestFormats.Clef(new IngestLimits(), FixedClock.SampleDay);

        var entries = format.Parse(Encoding.UTF8.GetBytes("{\"@t\":\"2026-11-21T14:00:00\"}\n{\"@t\":\"2026-11-21T16:00:00+02:00\"}")).Entries;

        Assert.Equal(entries[0].Body.TimestampUnixMicros, entries[1].Body.TimestampUnixMicros);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 14, 0, 0, TimeSpan.Zero), entries[0].Body.Timestamp);
    }

    [Theory]
    [InlineData("application/vnd.serilog.clef", true)]
    [InlineData("Application/VND.Serilog.Clef; charset=utf-8", true)]
    [InlineData("application/json", true)]
    [InlineData("application/vnd.serilog.clef; charset=latin1", false)]
    [InlineData("text/plain", false)]
    [InlineData(null, false)]
    public void ContentTypesAreCheckedWith415(string? contentType, bool accepted)
    {
        var format = IngestFormats.Clef(new IngestLimits(), FixedClock.SampleDay);

        var result = IngestFormats.Parse(format, contentType, Samples.Utf8("{\"@t\":\"2026-11-21T14:00:00Z\"}"));

        Assert.Equal(accepted, result.IsSuccess);
        if (!accepted)
        {
            Assert.Equal((IngestErrorKind.UnsupportedMediaType, 415, "Content-Type"), (result.Error!.Kind, result.Error.StatusCode, result.Error.Field));
        }
    }
}
