using System.Globalization;
using System.Text.Json.Nodes;
using LogService.Core.KeyService;
using LogService.Core.Policies;
using LogService.Storage;

namespace LogService.Server.Reading;

/// <summary>The key service T's endpoints: released keys for a reader's mask, and k-of-m escrow for auditors.</summary>
internal sealed class KeyReads(ILogStore store, ReadAccess access, IServiceProvider services, TrustedKeyService? keys = null)
{
    public const int MaxKeyRange = 10_000;
    public const int MaxShares = 255;

    public IResult Keys(LogPrincipal caller, string tenant, string name, long? from, long? to)
    {
        if (keys is null)
        {
            return ReadProblems.Misdirected(ReadServices.KeyServiceUrl(services));
        }

        var grant = access.Check(caller, PolicyAction.Read, tenant, name, "keys");
        if (!grant.Allowed)
        {
            return ReadProblems.Denied(grant.Decision);
        }

        var first = from ?? 0;
        var last = to ?? first + MaxKeyRange - 1;
        if (first < 0 || last < first || last - first >= MaxKeyRange)
        {
            return ReadProblems.BadRequest("range", $"keys are released for 0 <= from <= to, at most {MaxKeyRange} entries per request");
        }

        if (!keys.HoldsSecretOf(grant.StreamId))
        {
            return ReadProblems.NotFound($"the key service holds no secret for stream {grant.StreamId}");
        }

        var entries = store.ReadRange(grant.StreamId, first, last).Entries;
        using var released = keys.ReleaseKeys(grant.StreamId, [.. entries.Select(e => (e.Sequence, e.PermissionMask))], grant.ReadMask);
        var list = ReleasedKeySets.Pairs(released)
            .Select(p => (JsonNode)new JsonObject { ["sequence"] = p.Sequence, ["key"] = Convert.ToBase64String(p.Key) });
        access.Recorded(caller, grant, "keys", string.Create(CultureInfo.InvariantCulture, $"{released.Count} keys released for {first}..{last}"));
        return TypedResults.Json(new JsonObject { ["keys"] = new JsonArray([.. list]) });
    }

    public IResult Escrow(LogPrincipal caller, string tenant, string name, EscrowRequest? request)
    {
        if (keys is null)
        {
            return ReadProblems.Misdirected(ReadServices.KeyServiceUrl(services));
        }

        var grant = access.Check(caller, PolicyAction.Audit, tenant, name, "escrow");
        if (!grant.Allowed)
        {
            return ReadProblems.Denied(grant.Decision);
        }

        if (request is not { K: >= 1 and <= MaxShares, M: >= 1 and <= MaxShares } || request.K > request.M)
        {
            return ReadProblems.BadRequest("escrow", $"need 1 <= k <= m <= {MaxShares}");
        }

        if (!keys.HoldsSecretOf(grant.StreamId))
        {
            return ReadProblems.NotFound($"the key service holds no secret for stream {grant.StreamId}");
        }

        var shares = keys.Escrow(grant.StreamId, request.K, request.M);
        access.Recorded(caller, grant, "escrow", string.Create(CultureInfo.InvariantCulture, $"A_0 split {request.K}-of-{request.M}"));
        return TypedResults.Json(new JsonObject { ["shares"] = new JsonArray([.. shares.Select(s => (JsonNode?)Convert.ToBase64String(s.Encode()))]) });
    }
}

/// <summary>The body of an escrow request: any <paramref name="K"/> of <paramref name="M"/> shares rebuild A_0.</summary>
/// <param name="K">The threshold.</param>
/// <param name="M">The number of shares.</param>
public sealed record EscrowRequest(int K, int M);
