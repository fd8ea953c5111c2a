using System.Text.Json;
using LogService.Client.Models;

namespace LogService.Client.Offline;

/// <summary>
/// A stream exported for offline verification: every sealed entry from the open entry up to a certified head, the
/// head with its 2f+1 signatures, and the key set the export was checked against. Anyone can check links and the
/// Merkle root with it; the holder of A_0 (or of k auditor shares) can check every MAC and body.
/// </summary>
public sealed record ExportBundle
{
    /// <summary>The bundle format this version writes.</summary>
    public const string CurrentFormat = "logservice-bundle/v1";

    /// <summary>Always <see cref="CurrentFormat"/>.</summary>
    public required string Format { get; init; }

    /// <summary>The stream.</summary>
    public required string StreamId { get; init; }

    /// <summary>When the export was made.</summary>
    public DateTimeOffset ExportedAt { get; init; }

    /// <summary>The key set the exporter pinned (a <c>GET /api/v1/replicas</c> document). A verifier should pin its own.</summary>
    public required JsonElement Replicas { get; init; }

    /// <summary>The certified head the entries end at.</summary>
    public required SignedHead CertifiedHead { get; init; }

    /// <summary>The sealed entries 0..the head's last sequence, in order.</summary>
    public required IReadOnlyList<SealedRecord> Entries { get; init; }

    /// <summary>Writes the bundle as JSON.</summary>
    public async Task SaveAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, this, LogServiceClient.Json, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a bundle; throws <see cref="FormatException"/> when the file is not one.</summary>
    public static async Task<ExportBundle> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var file = File.OpenRead(path);
        ExportBundle? bundle;
        try
        {
            bundle = await JsonSerializer.DeserializeAsync<ExportBundle>(file, LogServiceClient.Json, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path} is not an export bundle: {e.Message}", e);
        }

        return bundle is { Format: CurrentFormat } ? bundle : throw new FormatException($"{path} is not a {CurrentFormat} bundle");
    }
}
