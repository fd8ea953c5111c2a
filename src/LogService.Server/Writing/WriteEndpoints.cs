using System.Globalization;
using System.Text.Json.Nodes;
using LogService.Core.Commands;
using LogService.Core.Entries;
using LogService.Core.Policies;
using LogService.Core.Replica;
using LogService.Server.Hosting;
using LogService.Server.Identity;
using LogService.Server.Ingestion;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LogService.Server.Writing;

/// <summary>
/// The write path: one endpoint per ingestion format. A request is authenticated, authorized by policy (which also
/// gives the entries' mask W), admitted into the front end's budget in ordering on its declared length, then read,
/// parsed and validated whole and submitted as one <see cref="AppendEntriesCommand"/>; the answer is a receipt of f+1
/// matching signed statements.
/// </summary>
public static class WriteEndpoints
{
    /// <summary>The header carrying the batch id when the body cannot.</summary>
    public const string BatchIdHeader = "X-LogService-Batch-Id";

    /// <summary>The header carrying the per-source sequence number of the first event.</summary>
    public const string SequenceStartHeader = "X-LogService-Sequence-Start";

    /// <summary>Maps the four ingestion endpoints under <c>/api/v1/streams/{tenant}/{name}/</c>.</summary>
    /// <param name="endpoints">The application.</param>
    /// <returns>The group.</returns>
    public static RouteGroupBuilder MapWriteEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1/streams/{tenant}/{name}").RequireLogScope(LogScopes.Write).WithTags("Writing").DisableAntiforgery();
        group.MapPost("/entries", (HttpContext c, string tenant, string name, IngestFormatSet f, WriteServices s) => AppendAsync(c, tenant, name, f.Native, f, s)).WithName("WriteNative");
        group.MapPost("/clef", (HttpContext c, string tenant, string name, IngestFormatSet f, WriteServices s) => AppendAsync(c, tenant, name, f.Clef, f, s)).WithName("WriteClef");
        group.MapPost("/serilog", (HttpContext c, string tenant, string name, IngestFormatSet f, WriteServices s) => AppendAsync(c, tenant, name, f.SerilogHttp, f, s)).WithName("WriteSerilogHttp");
        group.MapPost("/otlp/v1/logs", (HttpContext c, string tenant, string name, IngestFormatSet f, WriteServices s) => AppendAsync(c, tenant, name, f.OtlpJson, f, s)).WithName("WriteOtlpLogs");
        return group;
    }

    private static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> AppendAsync(
        HttpContext context, string tenant, string name, IIngestFormat format, IngestFormatSet formats, WriteServices services)
    {
        var principal = context.User.ToLogPrincipal()!;
        var streamId = StreamIds.Compose(tenant, name);
        if (!StreamIds.IsValidName(tenant) || !StreamIds.IsValidName(name))
        {
            return ApiProblems.StreamNotFound(streamId);
        }

        // Reserved streams (_system/…, {tenant}/_audit) are the service's own record; no caller writes them, and no
        // caller may pass for the service whatever its token claims.
        if (SystemStreams.IsReserved(streamId) || principal.Cloud == SystemStreams.ServiceCloud)
        {
            return ApiProblems.Create(StatusCodes.Status403Forbidden, "policy", "reserved", "Only the service writes this stream.",
                $"stream {streamId} is reserved and the cloud name '{SystemStreams.ServiceCloud}' marks the service's own writes");
        }

        var mask = services.Policy.WriteMaskFor(principal, new PolicyResource(tenant, name));
        if (!mask.Decision.Allowed || mask.Mask == 0)
        {
            return ApiProblems.Denied(mask.Decision);
        }

        if (ReadHeaders(context.Request) is not { } headers)
        {
            return ApiProblems.Create(StatusCodes.Status400BadRequest, "ingest", "invalid-header", "A request header is invalid.",
                $"{BatchIdHeader} must be 1-{EntryDraft.MaxBatchIdLength} characters of A-Z a-z 0-9 . _ : - and {SequenceStartHeader} a non-negative integer");
        }

        // What can be refused without the body is refused before it takes room in ordering: a declared oversize body
        // (Kestrel's own limit stops one that lies) and a content type the endpoint does not take.
        if (context.Request.ContentLength > formats.Limits.MaxRequestBytes)
        {
            return TooLarge(formats.Limits.MaxRequestBytes).ToHttpResult();
        }

        if (!IngestFormats.Accepts(format, context.Request.ContentType))
        {
            return IngestFormats.Parse(format, context.Request.ContentType, ReadOnlyMemory<byte>.Empty).Error!.ToHttpResult();
        }

        // Room in ordering is taken on the declared length before a byte of the body is read: a write refused here
        // costs no reading, parsing or encoding, which under overload is most of them. Its body is never judged, so
        // even a malformed one is answered 503, and its retry gets the 400.
        CommandAdmission admission;
        try
        {
            admission = await services.Gateway.AdmitAsync(context.Request.ContentLength, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ServiceOverloadedException ex)
        {
            return Overloaded(context, ex);
        }

        using (admission)
        {
            return await AppendAdmittedAsync(context, streamId, principal, mask.Mask, headers, format, formats.Limits, admission, services).ConfigureAwait(false);
        }
    }

    private static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> AppendAdmittedAsync(
        HttpContext context, string streamId, LogPrincipal principal, ulong mask, (string? BatchId, long? SequenceStart) headers,
        IIngestFormat format, IngestLimits limits, CommandAdmission admission, WriteServices services)
    {
        var (parsed, unread) = await ReadBodyAsync(context, format, limits, admission).ConfigureAwait(false);
        if (unread is not null)
        {
            return unread;
        }

        if (!parsed!.IsSuccess)
        {
            return parsed.Error!.ToHttpResult();
        }

        var drafts = Stamp(parsed.Entries, headers.SequenceStart);
        var batchId = parsed.BatchId ?? headers.BatchId;
        var command = new AppendEntriesCommand(
            streamId,
            new WriterIdentity(principal.Tenant, principal.Cloud ?? principal.Tenant, principal.Node ?? "", principal.User),
            batchId ?? UndeduplicatedBatchId(),
            mask,
            [.. drafts.Select(EntryCodec.EncodeDraft)])
        {
            Quota = QuotaOf(services.Policies.Current, principal.Tenant),
        };

        // Only the count is needed after ordering. Were the parsed drafts (thousands of small objects per batch) still
        // referenced across the wait, every collection during it would copy them into an older generation.
        var entryCount = drafts.Count;

        CommandQuorum quorum;
        try
        {
            quorum = await services.Gateway.SubmitAsync(command, services.Directory.F + 1, admission, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ServiceOverloadedException ex)
        {
            return Overloaded(context, ex);
        }
        catch (QuorumUnavailableException ex)
        {
            return ApiProblems.NoQuorum(ex);
        }

        return quorum.Agreed.Outcome switch
        {
            CommandOutcome.Committed or CommandOutcome.Duplicate => TypedResults.Ok(Receipt.Of(streamId, batchId, entryCount, quorum)),
            CommandOutcome.OverQuota => OverQuota(context, streamId, quorum.Agreed),
            _ => ApiProblems.Rejected(streamId, quorum.Agreed),
        };
    }

    private static ProblemHttpResult Overloaded(HttpContext context, ServiceOverloadedException failure)
    {
        context.Response.Headers.RetryAfter = "1";
        return ApiProblems.Overloaded(failure);
    }

    /// <summary>
    /// The tenant's limits as this front end's policy states them, carried in the ordered command so every replica
    /// charges the batch against the same limits (the counters are replicated state); null when none apply.
    /// </summary>
    private static QuotaLimits? QuotaOf(PolicySet policy, string tenant)
    {
        var limits = policy.QuotaFor(tenant);
        return limits is { EntriesPerSecond: null, Burst: null, BytesPerDay: null } ? null : limits;
    }

    /// <summary>
    /// A batch the writer sent without a batch id must not be deduplicated (docs/api.md), but the Log Core remembers
    /// every (writer, batch id) it appended, the empty id included. A fresh id, chosen here once and ordered with the
    /// command so every replica sees the same one, keeps such batches apart; the receipt still shows no batch id.
    /// </summary>
    private static string UndeduplicatedBatchId() => "~" + Guid.NewGuid().ToString("N");

    /// <summary>Reads and parses the body of an admitted write; a body that could not be read gives the problem instead.</summary>
    private static async Task<(IngestResult? Parsed, ProblemHttpResult? Unread)> ReadBodyAsync(
        HttpContext context, IIngestFormat format, IngestLimits limits, CommandAdmission admission)
    {
        using var read = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, admission.BodyDeadline);
        try
        {
            return (await IngestFormats.ParseAsync(format, context.Request.ContentType, context.Request.Body, limits, read.Token).ConfigureAwait(false), null);
        }
        catch (OperationCanceledException) when (admission.BodyDeadline.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            // The rest of the body is not waited for: the connection closes after the answer.
            context.Response.Headers.Connection = "close";
            return (null, ApiProblems.Create(StatusCodes.Status408RequestTimeout, "ingest", "body-timeout", "The request body did not arrive in time.",
                $"a write holds room in ordering while its body arrives, so the body must arrive within {admission.BodyTimeout.TotalSeconds:0.#} s of its admission; send it faster or in smaller batches"));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (IngestResult.Failure(TooLarge(ReplicaHosting.MaxRequestBodyBytes)), null);
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel gave up on the body: it ended before its declared length, or arrived below the minimum data rate.
            context.Response.Headers.Connection = "close";
            return (null, ApiProblems.Create(ex.StatusCode, "ingest", "unreadable-body", "The request body could not be read.", ex.Message));
        }
    }

    private static IngestError TooLarge(long maxBytes) => new(IngestErrorKind.PayloadTooLarge, $"The body is larger than {maxBytes} bytes.");

    private static (string? BatchId, long? SequenceStart)? ReadHeaders(HttpRequest request)
    {
        string? batchId = null;
        long? sequenceStart = null;
        if (request.Headers.TryGetValue(BatchIdHeader, out var idValues))
        {
            batchId = idValues.ToString();
            if (!EntryDraft.IsValidBatchId(batchId))
            {
                return null;
            }
        }

        if (request.Headers.TryGetValue(SequenceStartHeader, out var startValues))
        {
            if (!long.TryParse(startValues.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var start))
            {
                return null;
            }

            sequenceStart = start;
        }

        return (batchId, sequenceStart);
    }

    /// <summary>
    /// Applies the sequence header to events the body left without a sequence (the body's own values win). The batch
    /// id (the body's, else the header's) goes into the command once, not into each draft: the Log Core deduplicates on
    /// the command's, and a copy in each of a batch's entries would only add its length to every entry's way through
    /// consensus on every replica.
    /// </summary>
    private static IReadOnlyList<EntryDraft> Stamp(IReadOnlyList<EntryDraft> drafts, long? sequenceStart)
    {
        if (sequenceStart is not { } start)
        {
            return drafts;
        }

        var stamped = new EntryDraft[drafts.Count];
        for (var i = 0; i < stamped.Length; i++)
        {
            stamped[i] = drafts[i].Sequence is null ? drafts[i] with { Sequence = start + i } : drafts[i];
        }

        return stamped;
    }

    private static ProblemHttpResult OverQuota(HttpContext context, string streamId, CommandReply reply)
    {
        var extensions = new Dictionary<string, object?> { ["streamId"] = streamId };
        if (reply.RetryAfterMilliseconds < 0)
        {
            return ApiProblems.Create(StatusCodes.Status413PayloadTooLarge, "quota", "batch-exceeds-burst", "The batch is larger than the tenant's rate limit allows at once.", reply.Reason + "; split the batch", extensions);
        }

        var seconds = Math.Max(1, (long)Math.Ceiling(reply.RetryAfterMilliseconds / 1000.0));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        extensions["retryAfterSeconds"] = seconds;
        return ApiProblems.Create(StatusCodes.Status429TooManyRequests, "quota", "exceeded", "The tenant's quota or rate limit is exhausted.", reply.Reason, extensions);
    }
}

/// <summary>What the write endpoints need besides the formats.</summary>
/// <param name="Policy">Authorizes writes and gives their mask W.</param>
/// <param name="Policies">The policy in force, for the tenant's quota limits.</param>
/// <param name="Gateway">Orders the append command.</param>
/// <param name="Directory">n and f.</param>
public sealed record WriteServices(IPolicyDecisionPoint Policy, IPolicySource Policies, ICommandGateway Gateway, ClusterDirectory Directory);
