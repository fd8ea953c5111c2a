namespace LogService.Server.Tests.Ingestion.Support;

/// <summary>A clock that always reads the same instant.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public static FixedClock SampleDay { get; } = new(new DateTimeOffset(2026, 11, 21, 14, 5, 0, TimeSpan.Zero));

    public override DateTimeOffset GetUtcNow() => now;
}
