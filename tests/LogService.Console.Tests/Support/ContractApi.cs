using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Nodes;
using LogService.Core.Policies;
using LogService.Server.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LogService.Console.Tests.Support;

/// <summary>
/// A stand-in for the Log Core's read API (docs/api.md, "Service API"), in addition to the real cluster: the real
/// tenant-issuer authentication and the real policy decision point decide who may read what, over the entries of a
/// <see cref="ContractStore"/>. It lets the console's views be driven through every state, including denials.
/// </summary>
internal static class ContractApi
{
    public static void Map(WebApplication app, ContractStore store)
    {
        var api = app.MapGroup("/api/v1");
        api.MapGet("/replicas", (HttpContext c) => Replicas(c, store));
        app.MapGet("/r{id:int}/api/v1/status", (int id) => Results.Json(new { replica = id, leader = 1, regency = 3, lastInstance = 4200 + id, lastCheckpoint = 4096, healthy = id != 3 }))
            .RequireLogScope(LogScopes.Read);
        // Any authenticated caller; the policy decision point decides per stream (operators read system streams).
        var read = api.MapGroup(string.Empty).RequireAuthorization();
        read.MapGet("/streams", (ClaimsPrincipal user, IPolicyDecisionPoint pdp) =>
            Results.Json(new { streams = Readable(user, pdp, store).Select(s => StreamJson(store, s)) }));
        read.MapGet("/entries", (HttpContext c, IPolicyDecisionPoint pdp) => WithStreams(c, pdp, store, entries =>
        {
            var offset = int.TryParse(c.Request.Query["cursor"], CultureInfo.InvariantCulture, out var o) ? o : 0;
            var limit = int.TryParse(c.Request.Query["limit"], CultureInfo.InvariantCulture, out var l) ? l : 100;
            var page = entries.Skip(offset).Take(limit).ToList();
            var next = offset + page.Count < entries.Count ? (offset + page.Count).ToString(CultureInfo.InvariantCulture) : null;
            return Results.Json(new { entries = page.Select(EntryJson), nextCursor = next });
        }));
        read.MapGet("/entries/histogram", (HttpContext c, IPolicyDecisionPoint pdp) => WithStreams(c, pdp, store, entries =>
        {
            var seconds = c.Request.Query["bucket"].ToString() switch { "1m" => 60, "5m" => 300, "1d" => 86400, _ => 3600 };
            var buckets = entries.GroupBy(e => (Start: e.Timestamp.ToUnixTimeSeconds() / seconds * seconds, e.Level))
                .Select(g => new { start = DateTimeOffset.FromUnixTimeSeconds(g.Key.Start), level = ContractStore.Levels[g.Key.Level], count = g.Count() });
            return Results.Json(new { buckets });
        }));
        read.MapGet("/streams/{tenant}/{name}/entries/{sequence:long}", (string tenant, string name, long sequence, ClaimsPrincipal user, IPolicyDecisionPoint pdp) =>
        {
            var stream = $"{tenant}/{name}";
            if (Denied(user, pdp, stream) is { } denied)
            {
                return denied;
            }

            var entry = store.Entries(stream).FirstOrDefault(e => e.Sequence == sequence);
            if (entry is null)
            {
                return Results.Problem(statusCode: 404, title: "No such entry.", type: "urn:logservice:problem:read:not-found");
            }

            var json = EntryJson(entry);
            json["sealed"] = Convert.ToBase64String(entry.Sealed);
            if (store.Head(stream) is { } head && sequence < head.Size)
            {
                json["proof"] = new JsonObject
                {
                    ["treeSize"] = head.Size, ["leafIndex"] = sequence, ["root"] = Convert.ToBase64String(head.Root),
                    ["path"] = new JsonArray([.. store.InclusionProof(stream, sequence, head.Size).Select(h => (JsonNode)Convert.ToBase64String(h))]),
                };
                json["certifiedHead"] = HeadJson(store, stream, head.Statement, head.Size, head.Root);
            }

            return Results.Json(json);
        });
        read.MapGet("/streams/{tenant}/{name}/certified-head", (string tenant, string name, ClaimsPrincipal user, IPolicyDecisionPoint pdp) =>
        {
            var stream = $"{tenant}/{name}";
            return Denied(user, pdp, stream) ?? (store.Head(stream) is { } h
                ? Results.Json(HeadJson(store, stream, h.Statement, h.Size, h.Root))
                : Results.Problem(statusCode: 404, title: "No certified head yet."));
        });
        read.MapPost("/streams/{tenant}/{name}/verify", (string tenant, string name, long from, long to, ClaimsPrincipal user, IPolicyDecisionPoint pdp) =>
        {
            var stream = $"{tenant}/{name}";
            if (Denied(user, pdp, stream) is { } denied)
            {
                return denied;
            }

            var range = store.Entries(stream).Where(e => e.Sequence >= from && e.Sequence <= to).ToList();
            var bad = range.FirstOrDefault(e => e.Broken is not null);
            var checkedCount = bad is null ? range.Count : (int)(bad.Sequence - from + 1);
            return Results.Json(new
            {
                @checked = checkedCount,
                verified = bad is null ? checkedCount : checkedCount - 1,
                firstFailure = bad is null ? null : new { sequence = bad.Sequence, failure = "BadMac", detail = bad.Broken },
                tombstones = Array.Empty<object>(),
            });
        });
    }

    private static IResult Replicas(HttpContext context, ContractStore store)
    {
        var self = $"{context.Request.Scheme}://{context.Request.Host}";
        return Results.Json(new
        {
            n = 4,
            f = 1,
            replicas = store.ReplicaKeys.Select((k, i) => new
            {
                id = i, url = $"{self}/r{i}", signingKey = Convert.ToBase64String(k.ExportSubjectPublicKeyInfo()),
                agreementKey = (string?)null, keyService = i == 0,
            }),
        });
    }

    private static IResult WithStreams(HttpContext context, IPolicyDecisionPoint pdp, ContractStore store, Func<List<StoredEntry>, IResult> answer)
    {
        var asked = context.Request.Query["stream"].Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToList();
        foreach (var stream in asked)
        {
            if (Denied(context.User, pdp, stream) is { } denied)
            {
                return denied;
            }
        }

        var q = context.Request.Query;
        var streams = asked.Count > 0 ? asked : Readable(context.User, pdp, store).ToList();
        var minimum = Array.IndexOf(ContractStore.Levels, q["level"].ToString());
        var from = DateTimeOffset.TryParse(q["from"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var f) ? f : DateTimeOffset.MinValue;
        var to = DateTimeOffset.TryParse(q["to"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : DateTimeOffset.MaxValue;
        var text = q["text"].ToString();
        var properties = q.Where(p => p.Key.StartsWith("prop.", StringComparison.Ordinal) || p.Key.StartsWith("notprop.", StringComparison.Ordinal)).ToList();
        var entries = streams.SelectMany(store.Entries)
            .Where(e => e.Level >= minimum && e.Timestamp >= from && e.Timestamp <= to)
            .Where(e => string.IsNullOrEmpty(q["sourceNode"]) || e.Node == q["sourceNode"])
            .Where(e => string.IsNullOrEmpty(q["sourceUser"]) || e.User == q["sourceUser"])
            .Where(e => string.IsNullOrEmpty(q["eventType"]) || e.EventType == q["eventType"])
            .Where(e => text.Length == 0 || e.Message.Contains(text, StringComparison.OrdinalIgnoreCase))
            .Where(e => properties.All(p => PropertyMatches(e, p.Key, p.Value.ToString())))
            .OrderByDescending(e => e.Timestamp).ThenByDescending(e => e.Sequence)
            .ToList();
        if (q["order"] == "oldest")
        {
            entries.Reverse();
        }

        return answer(entries);
    }

    private static bool PropertyMatches(StoredEntry e, string key, string value)
    {
        var include = key.StartsWith("prop.", StringComparison.Ordinal);
        var name = key[(key.IndexOf('.', StringComparison.Ordinal) + 1)..];
        var actual = e.Properties.TryGetPropertyValue(name, out var v) ? (v is JsonValue s && s.TryGetValue<string>(out var str) ? str : v?.ToJsonString()) : null;
        return include ? actual == value : actual != value;
    }

    private static IEnumerable<string> Readable(ClaimsPrincipal user, IPolicyDecisionPoint pdp, ContractStore store) =>
        store.StreamIds.Where(s => Denied(user, pdp, s) is null && !s.StartsWith('_'));

    private static IResult? Denied(ClaimsPrincipal user, IPolicyDecisionPoint pdp, string stream)
    {
        var principal = user.ToLogPrincipal()!;
        var decision = pdp.Authorize(principal, PolicyAction.Read, new PolicyResource(stream.Split('/')[0], stream.Split('/')[1]));
        return decision.Allowed ? null : Results.Problem(
            statusCode: 403,
            title: "Access denied.",
            detail: decision.ToString(),
            type: "urn:logservice:problem:auth:denied",
            extensions: new Dictionary<string, object?> { ["rule"] = decision.DecidedBy.Rule, ["file"] = decision.DecidedBy.File });
    }

    private static JsonObject StreamJson(ContractStore store, string stream)
    {
        var entries = store.Entries(stream);
        return new JsonObject
        {
            ["streamId"] = stream, ["tenant"] = stream.Split('/')[0], ["name"] = stream.Split('/')[1],
            ["lastSequence"] = entries.Count - 1, ["lastTimestamp"] = entries.Count == 0 ? null : entries[^1].Timestamp,
            ["closed"] = false, ["retention"] = new JsonObject { ["maxAgeDays"] = 90, ["maxCount"] = null }, ["entryCount"] = entries.Count,
        };
    }

    private static JsonObject EntryJson(StoredEntry e) => new()
    {
        ["streamId"] = e.StreamId, ["sequence"] = e.Sequence, ["timestamp"] = e.Timestamp, ["level"] = ContractStore.Levels[e.Level],
        ["sourceCloud"] = e.StreamId.Split('/')[0], ["sourceNode"] = e.Node, ["sourceUser"] = e.User, ["eventType"] = e.EventType,
        ["permissionMask"] = 1, ["kind"] = "data",
        ["body"] = new JsonObject
        {
            ["messageTemplate"] = e.Message, ["renderedMessage"] = e.Message, ["exception"] = e.Exception, ["traceId"] = null, ["spanId"] = null,
            ["properties"] = e.Properties.DeepClone(), ["renderings"] = new JsonArray(),
        },
        ["integrity"] = new JsonObject { ["state"] = e.Broken is null ? "verified" : "broken", ["detail"] = e.Broken },
    };

    private static JsonObject HeadJson(ContractStore store, string stream, byte[] statement, long size, byte[] root) => new()
    {
        ["statement"] = new JsonObject
        {
            ["streamId"] = stream, ["firstSequence"] = 0, ["lastSequence"] = size - 1, ["yHead"] = Convert.ToBase64String(new byte[32]),
            ["merkleRoot"] = Convert.ToBase64String(root), ["instance"] = 7,
        },
        ["statementBytes"] = Convert.ToBase64String(statement),
        ["signatures"] = new JsonArray([.. store.ReplicaKeys.Take(3).Select((k, i) => (JsonNode)new JsonObject
        {
            ["replica"] = i,
            ["signature"] = Convert.ToBase64String(k.SignData(statement, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.DSASignatureFormat.IeeeP1363FixedFieldConcatenation)),
        })]),
    };
}
