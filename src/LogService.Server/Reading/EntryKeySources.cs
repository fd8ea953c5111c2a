using System.Buffers.Binary;
using System.Net.Http.Headers;
using System.Text.Json;
using LogService.Core.KeyService;
using LogService.Sealing;
using LogService.Storage;

namespace LogService.Server.Reading;

/// <summary>Where the front end gets K_j for the entries it shows a caller: never more than that caller may use.</summary>
internal interface IEntryKeySource
{
    /// <summary>Keys for the given entries of one stream that <paramref name="readerMask"/> covers; empty when none can be had.</summary>
    Task<ReleasedKeys> KeysForAsync(HttpContext context, string streamId, IReadOnlyList<EntryRecord> entries, ulong readerMask, CancellationToken cancellationToken);
}

/// <summary>On the replica hosting T: derive the keys here, for the mask the policy gave this caller.</summary>
internal sealed class LocalEntryKeySource(TrustedKeyService keys) : IEntryKeySource
{
    public Task<ReleasedKeys> KeysForAsync(HttpContext context, string streamId, IReadOnlyList<EntryRecord> entries, ulong readerMask, CancellationToken cancellationToken)
    {
        if (readerMask == 0 || !keys.HoldsSecretOf(streamId))
        {
            return Task.FromResult(ReleasedKeySets.Empty());
        }

        return Task.FromResult(keys.ReleaseKeys(streamId, entries.Select(e => (e.Sequence, e.PermissionMask)).ToArray(), readerMask));
    }
}

/// <summary>
/// On other replicas: ask T's key endpoint with the caller's own token, so T decides by its policy what this caller
/// gets, and this front end never holds more keys than the caller could fetch itself.
/// </summary>
internal sealed class RemoteEntryKeySource(HttpClient http) : IEntryKeySource
{
    private const int MaxRange = 10_000;

    public async Task<ReleasedKeys> KeysForAsync(HttpContext context, string streamId, IReadOnlyList<EntryRecord> entries, ulong readerMask, CancellationToken cancellationToken)
    {
        var wanted = entries.Where(e => (e.PermissionMask & readerMask) != 0).Select(e => e.Sequence).Order().ToList();
        var pairs = new List<(long Sequence, byte[] Key)>();
        var authorization = context.Request.Headers.Authorization.ToString();
        for (var i = 0; i < wanted.Count;)
        {
            var from = wanted[i];
            var to = from;
            while (i < wanted.Count && wanted[i] - from < MaxRange)
            {
                to = wanted[i++];
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/streams/{streamId}/keys?from={from}&to={to}");
            request.Headers.Authorization = AuthenticationHeaderValue.TryParse(authorization, out var header) ? header : null;
            try
            {
                using var response = await http.SendAsync(request, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    continue;
                }

                var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                pairs.AddRange(body.GetProperty("keys").EnumerateArray()
                    .Select(k => (k.GetProperty("sequence").GetInt64(), Convert.FromBase64String(k.GetProperty("key").GetString() ?? ""))));
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
            {
                // T unreachable or answering nonsense: the entries stay unverifiable, the read still succeeds.
            }
        }

        return ReleasedKeySets.From(pairs.Where(p => p.Key.Length == StreamGenesis.SecretSize && wanted.BinarySearch(p.Sequence) >= 0).DistinctBy(p => p.Sequence));
    }
}

/// <summary>Builds <see cref="ReleasedKeys"/> through its documented encoding.</summary>
internal static class ReleasedKeySets
{
    public static ReleasedKeys Empty() => From([]);

    public static ReleasedKeys From(IEnumerable<(long Sequence, byte[] Key)> keys)
    {
        var list = keys.ToList();
        var bytes = new byte[5 + (list.Count * (8 + StreamGenesis.SecretSize))];
        bytes[0] = 1;
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(1), list.Count);
        var at = 5;
        foreach (var (sequence, key) in list)
        {
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(at), sequence);
            key.CopyTo(bytes, at + 8);
            at += 8 + StreamGenesis.SecretSize;
        }

        return ReleasedKeys.Decode(bytes);
    }

    /// <summary>The (sequence, K_j) pairs of a key set, in sequence order.</summary>
    public static IEnumerable<(long Sequence, byte[] Key)> Pairs(ReleasedKeys keys)
    {
        var bytes = keys.Encode();
        for (var at = 5; at < bytes.Length; at += 8 + StreamGenesis.SecretSize)
        {
            yield return (BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(at)), bytes.AsSpan(at + 8, StreamGenesis.SecretSize).ToArray());
        }
    }
}
