using System.Globalization;
using System.Text.Json.Nodes;
using LogService.Core.Policies;
using LogService.Core.Replica;
using LogService.Sealing;
using LogService.Sealing.Merkle;
using LogService.Sealing.Verification;
using LogService.Storage;

namespace LogService.Server.Reading;

/// <summary>The per-stream read endpoints: one entry with its proof, sealed export, verification, proofs, heads, tombstones.</summary>
internal sealed class StreamReads(ILogStore store, ReadAccess access, EntryPresenter presenter, IEntryKeySource keys, StreamMerkleProofs merkle, IServiceProvider services)
{
    public const int MaxSealedPage = 10_000;
    public const long MaxVerifyRange = 1_000_000;
    private const int VerifyChunk = 10_000;

    public async Task<IResult> EntryAsync(HttpContext context, LogPrincipal caller, string tenant, string name, long sequence, CancellationToken cancellationToken)
    {
        var grant = access.Check(caller, PolicyAction.Read, tenant, name, "entry");
        if (!grant.Allowed)
        {
            return ReadProblems.Denied(grant.Decision);
        }

        var record = store.ReadRange(grant.StreamId, sequence, sequence).Entries.FirstOrDefault();
        if (record is null)
        {
            return Missing(grant.StreamId, sequence);
        }

        var presented = (await presenter.PresentAsync(context, caller, [record], new Dictionary<string, StreamGrant> { [grant.StreamId] = grant }, cancellationToken))[0];
        var anchor = Anchor(grant.StreamId);
        var json = presented.ToJson();
        json["sealed"] = ReadFormats.Base64(record.SealedEntry);
        json["certifiedHead"] = anchor.Certified is { } certified ? CertifiedJson(certified) : null;
        if (anchor.Size > sequence)
        {
            try
            {
                var path = merkle.InclusionProof(grant.StreamId, sequence, anchor.Size);
                json["proof"] = new JsonObject
                {
                    ["treeSize"] = anchor.Size,
                    ["leafIndex"] = sequence,
                    ["path"] = new JsonArray([.. path.Select(p => (JsonNode?)Convert.ToBase64String(p))]),
                    ["root"] = Convert.ToBase64String(anchor.Root),
                };
                if (!MerkleProof.VerifyInclusion(MerkleHash.HashLeaf(record.SealedEntry), sequence, anchor.Size, path, anchor.Root))
                {
                    json["integrity"] = new JsonObject { ["state"] = IntegrityBadge.Broken, ["detail"] = $"not included in the {(anchor.Certified is null ? "current" : "certified")} tree of {anchor.Size} entries" };
                    json["body"] = null;
                }
            }
            catch (EntriesRemovedException ex)
            {
                json["proof"] = null;
                json["proofUnavailable"] = ex.Message;
            }
        }
        else
        {
            json["proof"] = null;
            json["proofUnavailable"] = "the entry is newer than the latest certified head";
        }

        access.Recorded(caller, grant, "entry", string.Create(CultureInfo.InvariantCulture, $"entry {sequence}, body {(presented.Body is null ? "withheld" : "shown")}"));
        return TypedResults.Json(json);
    }

    public IResult Sealed(LogPrincipal caller, string tenant, string name, long? from, long? to)
    {
        var grant = access.Check(caller, PolicyAction.Read, tenant, name, "sealed");
        if (!grant.Allowed)
        {
            return ReadProblems.Denied(grant.Decision);
        }

        var head = store.GetHead(grant.StreamId);
        if (head is null)
        {
            return ReadProblems.NotFound($"stream {grant.StreamId} does not exist");
        }

        var first = Math.Max(from ?? 0, 0);
        var wantedLast = Math.Min(to ?? head.LastSequence, head.LastSequence);
        var last = Math.Min(wantedLast, first + MaxSealedPage - 1);
        var entries = first > last ? [] : store.ReadRange(grant.StreamId, first, last).Entries;
        access.Recorded(caller, grant, "sealed", string.Create(CultureInfo.InvariantCulture, $"{entries.Count} sealed entries from {first}"));
        return TypedResults.Json(new JsonObject
        {
            ["entries"] = new JsonArray([.. entries.Select(e => (JsonNode)new JsonObject { ["sequence"] = e.Sequence, ["sealed"] = ReadFormats.Base64(e.SealedEntry) })]),
            ["next"] = last < wantedLast ? last + 1 : null,
        });
    }

    public async Task<IResult> VerifyAsync(HttpContext context, LogPrincipal caller, string tenant, string name, long? from, long? to, CancellationToken cancellationToken)
    {
        var grant = access.Check(caller, PolicyAction.Read, tenant, name, "verify");
        if (!grant.Allowed)
        {
            return ReadProblems.Denied(grant.Decision);
        }

        var head = store.GetHead(grant.StreamId);
        if (head is null)
        {
            return ReadProblems.NotFound($"stream {grant.StreamId} does not exist");
        }

        var certified = store.GetLatestCertifiedHead(grant.StreamId);
        var first = Math.Max(from ?? 0, 0);
        var last = to ?? Math.Max(head.LastSequence, certified?.Sequence ?? -1);
        if (last - first + 1 > MaxVerifyRange)
        {
            return ReadProblems.BadRequest("range", $"verify at most {MaxVerifyRange} entries per request");
        }

        var tombstones = store.GetTombstones(grant.StreamId);
        var (anchor, failure) = StartOf(grant.StreamId, ref first, tombstones);
        long checkedCount = 0, verified = 0, decrypted = 0;
        while (failure is null && first <= last)
        {
            var chunkLast = Math.Min(first + VerifyChunk - 1, last);
            var entries = store.ReadRange(grant.StreamId, first, chunkLast).Entries;
            var final = chunkLast >= last || entries.Count < chunkLast - first + 1;
            var known = certified is not null && certified.Sequence <= last && (final || certified.Sequence <= chunkLast)
                && certified.Sequence >= first ? new KnownHead(certified.Sequence + 1, certified.YHead) : null;
            using var released = await keys.KeysForAsync(context, grant.StreamId, entries, grant.ReadMask, cancellationToken);
            var report = StreamVerifier.VerifyWithReleasedKeys(grant.StreamId, released, [.. entries.Select(e => (ReadOnlyMemory<byte>)e.SealedEntry)],
                new VerificationOptions { Anchor = anchor, KnownHead = known });
            checkedCount += report.FirstFailure is null ? entries.Count : report.EntriesVerified + 1;
            verified += report.EntriesVerified;
            decrypted += report.EntriesDecrypted;
            if (report.FirstFailure is { } finding)
            {
                failure = new JsonObject
                {
                    ["sequence"] = finding.Sequence,
                    ["failure"] = finding.Failure.ToString(),
                    ["detail"] = EntryIntegrity.Describe(finding.Failure, finding.Detail),
                };
            }

            if (final)
            {
                break;
            }

            anchor = new ChainAnchor(report.NextSequence, report.Head);
            first = report.NextSequence;
        }

        access.Recorded(caller, grant, "verify", failure is null ? $"{verified} entries verified" : $"failure: {failure["detail"]}");
        return TypedResults.Json(new JsonObject
        {
            ["checked"] = checkedCount,
            ["verified"] = verified,
            ["decrypted"] = decrypted,
            ["valid"] = failure is null,
            ["firstFailure"] = failure,
            ["certifiedHead"] = certified is null ? null : CertifiedJson(certified),
            ["tombstones"] = TombstonesJson(tombstones),
        });
    }

    public IResult Consistency(LogPrincipal caller, string tenant, string name, long? first, long? second)
    {
        var grant = access.Check(caller, PolicyAction.Read, tenant, name, "consistency");
        if (!grant.Allowed)
        {
            return ReadProblems.Denied(grant.Decision);
        }

        var size = (store.GetHead(grant.StreamId)?.LastSequence ?? -1) + 1;
        if (first is not { } older || second is not { } newer || older < 0 || older > newer || newer > size)
        {
            return ReadProblems.BadRequest("range", string.Create(CultureInfo.InvariantCulture, $"need 0 <= first <= second <= {size} (the stream's tree size)"));
        }

        try
        {
            var path = merkle.ConsistencyProof(grant.StreamId, older, newer);
            access.Recorded(caller, grant, "consistency", string.Create(CultureInfo.InvariantCulture, $"proof {older} -> {newer}"));
            return TypedResults.Json(new JsonObject
            {
                ["first"] = older,
                ["second"] = newer,
                ["firstRoot"] = Convert.ToBase64String(merkle.Root(grant.StreamId, older)),
                ["secondRoot"] = Convert.ToBase64String(merkle.Root(grant.StreamId, newer)),
                ["path"] = new JsonArray([.. path.Select(p => (JsonNode?)Convert.ToBase64String(p))]),
            });
        }
        catch (EntriesRemovedException ex)
        {
            return ReadProblems.Gone(ex.Message);
        }
    }

    public IResult Head(LogPrincipal caller, string tenant, string name)
    {
        var grant = access.Check(caller, PolicyAction.Read, tenant, name, "head");
        if (!grant.Allowed)
        {
            return ReadProblems.Denied(grant.Decision);
        }

        var head = store.GetHead(grant.StreamId);
        if (head is null)
        {
            return ReadProblems.NotFound($"stream {grant.StreamId} does not exist");
        }

        var statement = new CommitStatement(grant.StreamId, head.LastSequence, head.LastSequence, head.YHead,
            HeadMerkleRoot.Of(head), store.LastAppliedInstance);
        var identity = services.GetService<ReplicaIdentity>() ?? services.GetService<Hosting.ReplicaRuntime>()?.Identity;
        access.Recorded(caller, grant, "head", string.Create(CultureInfo.InvariantCulture, $"head at {head.LastSequence}"));
        return TypedResults.Json(new JsonObject
        {
            ["statement"] = StatementJson(statement),
            ["statementBytes"] = Convert.ToBase64String(statement.ToSignedBytes()),
            ["replica"] = identity?.ReplicaId,
            ["signature"] = identity is null ? null : Convert.ToBase64String(statement.Sign(identity.SigningKey)),
        });
    }

    public IResult Tombstones(LogPrincipal caller, string tenant, string name)
    {
        var grant = access.Check(caller, PolicyAction.Read, tenant, name, "tombstones");
        if (!grant.Allowed)
        {
            return ReadProblems.Denied(grant.Decision);
        }

        var tombstones = store.GetTombstones(grant.StreamId);
        access.Recorded(caller, grant, "tombstones", string.Create(CultureInfo.InvariantCulture, $"{tombstones.Count} tombstones"));
        return TypedResults.Json(new JsonObject { ["tombstones"] = TombstonesJson(tombstones) });
    }

    private IResult Missing(string streamId, long sequence)
    {
        if (store.GetHead(streamId) is not { } head)
        {
            return ReadProblems.NotFound($"stream {streamId} does not exist");
        }

        var cut = store.GetTombstones(streamId).FirstOrDefault(t => t.FirstSequence <= sequence && sequence <= t.LastSequence);
        return cut is not null
            ? ReadProblems.Gone($"entry {sequence} was removed by retention ({cut.Policy})")
            : ReadProblems.NotFound(sequence > head.LastSequence ? $"stream {streamId} ends at {head.LastSequence}" : $"entry {sequence} of {streamId} is not stored");
    }

    /// <summary>The tree a proof is made against: the latest certified head, or this replica's current head when none.</summary>
    private (long Size, byte[] Root, CertifiedHead? Certified) Anchor(string streamId)
    {
        if (store.GetLatestCertifiedHead(streamId) is { } certified)
        {
            return (certified.Sequence + 1, certified.MerkleRoot, certified);
        }

        var head = store.GetHead(streamId)!;
        return (head.LastSequence + 1, HeadMerkleRoot.Of(head), null);
    }

    /// <summary>Where verification of [first, …] starts: the genesis link, the stored predecessor, or the last retention cut.</summary>
    private (ChainAnchor? Anchor, JsonObject? Failure) StartOf(string streamId, ref long first, IReadOnlyList<RetentionTombstone> tombstones)
    {
        var start = first;
        var cut = tombstones.LastOrDefault(t => t.LastSequence >= start - 1);
        if (cut is not null && cut.FirstSequence <= Math.Max(first, 0))
        {
            first = cut.LastSequence + 1;
            return (new ChainAnchor(first, cut.YHeadAtCut), null);
        }

        if (first == 0)
        {
            return (null, null);
        }

        var previous = store.ReadRange(streamId, first - 1, first - 1).Entries.FirstOrDefault();
        if (previous is not null && SealedEntry.TryDecode(previous.SealedEntry, out var entry, out _))
        {
            return (new ChainAnchor(first, entry.Link), null);
        }

        return (null, new JsonObject { ["sequence"] = first - 1, ["failure"] = nameof(VerificationFailure.Gap), ["detail"] = "the entry before the range is missing or malformed" });
    }

    private static JsonObject StatementJson(CommitStatement statement) => new()
    {
        ["streamId"] = statement.StreamId,
        ["firstSequence"] = statement.FirstSequence,
        ["lastSequence"] = statement.LastSequence,
        ["yHead"] = Convert.ToBase64String(statement.YHead),
        ["merkleRoot"] = Convert.ToBase64String(statement.MerkleRoot),
        ["instance"] = statement.Instance,
    };

    private static JsonObject CertifiedJson(CertifiedHead head) => new()
    {
        ["streamId"] = head.StreamId,
        ["lastSequence"] = head.Sequence,
        ["yHead"] = Convert.ToBase64String(head.YHead),
        ["merkleRoot"] = Convert.ToBase64String(head.MerkleRoot),
        ["instance"] = head.Instance,
        ["signatures"] = Convert.ToBase64String(head.Signatures),
    };

    private static JsonArray TombstonesJson(IReadOnlyList<RetentionTombstone> tombstones) => new([.. tombstones.Select(t => (JsonNode)new JsonObject
    {
        ["firstSequence"] = t.FirstSequence,
        ["lastSequence"] = t.LastSequence,
        ["removedCount"] = t.RemovedCount,
        ["yHeadAtCut"] = Convert.ToBase64String(t.YHeadAtCut),
        ["merkleRootAtCut"] = Convert.ToBase64String(t.MerkleRootAtCut),
        ["lastRemovedTimestamp"] = ReadFormats.Timestamp(t.LastRemovedTimestampMicros),
        ["appliedAt"] = ReadFormats.Timestamp(t.AppliedAtMicros),
        ["policy"] = t.Policy,
    })]);
}
