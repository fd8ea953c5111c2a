using System.Security.Cryptography;

namespace LogService.Sealing;

/// <summary>The only way randomness enters sealing: initial secrets and secret-sharing coefficients.</summary>
public interface IRandomSource
{
    /// <summary>Fills <paramref name="destination"/> with random bytes.</summary>
    void Fill(Span<byte> destination);
}

/// <summary>The operating system's cryptographic random number generator.</summary>
public sealed class SystemRandomSource : IRandomSource
{
    /// <summary>The shared instance; it holds no state.</summary>
    public static SystemRandomSource Instance { get; } = new();

    /// <inheritdoc />
    public void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);
}
