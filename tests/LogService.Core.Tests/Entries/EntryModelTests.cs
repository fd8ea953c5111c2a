using LogService.Core.Entries;

namespace LogService.Core.Tests.Entries;

public class EntryModelTests
{
    [Theory]
    [InlineData("", 0u)]
    [InlineData("The quick brown fox jumps over the lazy dog", 0x2e4ff723u)]
    public void EventTypeIsMurmur3OfTheTemplate(string template, uint expected) =>
        Assert.Equal(expected, EventTypes.FromTemplate(template));

    [Fact]
    public void EventTypeIsTheSameForLongTemplatesOnEveryCall()
    {
        var template = new string('x', 5000) + "{Value}";

        Assert.Equal(EventTypes.FromTemplate(template), EventTypes.FromTemplate(template));
        Assert.NotEqual(EventTypes.FromTemplate(template), EventTypes.FromTemplate(template + " "));
    }

    [Fact]
    public void UnixMicrosRoundDownBeforeAndAfterTheEpoch()
    {
        Assert.Equal(1, EntryBody.ToUnixMicros(DateTimeOffset.UnixEpoch.AddTicks(19)));
        Assert.Equal(-2, EntryBody.ToUnixMicros(DateTimeOffset.UnixEpoch.AddTicks(-11)));
        Assert.Equal(-1, EntryBody.ToUnixMicros(DateTimeOffset.UnixEpoch.AddTicks(-10)));
    }

    [Fact]
    public void TimestampConvertsBackToUtc()
    {
        var time = new DateTimeOffset(2026, 11, 21, 14, 0, 0, TimeSpan.FromHours(2)).AddTicks(1234560);

        var body = new EntryBody { TimestampUnixMicros = EntryBody.ToUnixMicros(time) };

        Assert.Equal(time.UtcDateTime, body.Timestamp.UtcDateTime);
    }

    [Theory]
    [InlineData("4BF92F3577B34DA6A3CE929D0E0E4736", "4bf92f3577b34da6a3ce929d0e0e4736")]
    [InlineData("00000000000000000000000000000000", null)]
    [InlineData("", null)]
    public void TraceIdsAreNormalized(string text, string? expected)
    {
        Assert.True(TraceContext.TryNormalize(text, TraceContext.TraceIdHexLength, out var id));
        Assert.Equal(expected, id);
    }

    [Theory]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e473")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e473g")]
    public void MalformedTraceIdsAreRefused(string text)
    {
        Assert.False(TraceContext.TryNormalize(text, TraceContext.TraceIdHexLength, out _));
        Assert.Throws<ArgumentException>(() => new EntryBody { TimestampUnixMicros = 0, TraceId = text });
    }

    [Fact]
    public void DraftRefusesUndefinedLevelsAndBadBatchIds()
    {
        var body = new EntryBody { TimestampUnixMicros = 0 };

        Assert.Throws<ArgumentOutOfRangeException>(() => new EntryDraft { Body = body, Level = (EntryLevel)6 });
        Assert.Throws<ArgumentException>(() => new EntryDraft { Body = body, BatchId = "has space" });
        Assert.Throws<ArgumentException>(() => new EntryDraft { Body = body, BatchId = new string('a', 129) });
    }
}
