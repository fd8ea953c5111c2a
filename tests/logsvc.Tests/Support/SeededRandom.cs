using LogService.Sealing;

namespace LogService.Cli.Tests.Support;

/// <summary>Reproducible randomness for the demo.</summary>
internal sealed class SeededRandom(int seed) : IRandomSource
{
    private readonly Random _random = new(seed);

    public void Fill(Span<byte> destination) => _random.NextBytes(destination);
}
