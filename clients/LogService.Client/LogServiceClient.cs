using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using LogService.Client.Models;
using LogService.Client.Trust;

namespace LogService.Client;

/// <summary>A head whose signatures and fields the client checked.</summary>
/// <param name="Answer">What the replica sent.</param>
/// <param name="Statement">The statement decoded from the signed bytes.</param>
public sealed record VerifiedHead(SignedHead Answer, SignedStatement Statement);

/// <summary>One bucket of a histogram.</summary>
/// <param name="Start">The bucket's start.</param>
/// <param name="Level">The level counted, when bucketed by level.</param>
/// <param name="Count">The entries in it.</param>
public sealed record HistogramBucket(DateTimeOffset Start, string? Level, long Count);

/// <summary>
/// The typed client of the service API (docs/api.md "Service API"). Talks to any replica and fails over to the others;
/// checks receipts, heads and proofs itself against the pinned key set, so it trusts no single replica. Every
/// failure the service reports is a <see cref="ProblemException"/>; every failed client-side check an <see cref="IntegrityException"/>.
/// </summary>
public sealed partial class LogServiceClient : IDisposable
{
    /// <summary>The JSON settings of the API (camelCase, nulls omitted).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly ReplicaTransport _transport;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ReceiptVerifier _verifier;

    /// <summary>Creates the client.</summary>
    public LogServiceClient(LogServiceClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        KeySet = options.KeySet ?? throw new ArgumentException("a pinned replica key set is required", nameof(options));
        _ownsHttp = options.Http is null;
        _http = options.Http ?? new HttpClient { Timeout = options.RequestTimeout };
        _transport = new ReplicaTransport(options.ReplicaUrls, _http, options.Tokens);
        _verifier = new ReceiptVerifier(KeySet);
    }

    /// <summary>The pinned key set.</summary>
    public ReplicaKeySet KeySet { get; }

    // ---- writing ----

    /// <summary>
    /// Writes a native batch and returns its receipt once f+1 pinned replicas' signatures check out. A batch id is
    /// made when none is given, so a retry on another replica gets the original receipt instead of a second copy.
    /// </summary>
    public async Task<Receipt> WriteAsync(string streamId, NativeBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        batch = batch.BatchId is null ? batch with { BatchId = NewBatchId() } : batch;
        var body = JsonSerializer.SerializeToUtf8Bytes(batch, Json);
        var receipt = await SendAsync<Receipt>(HttpMethod.Post, StreamPath(streamId) + "/entries", () => Content(body, "application/vnd.logservice.batch+json"), cancellationToken).ConfigureAwait(false);
        return CheckReceipt(receipt, streamId, batch.BatchId, batch.Entries.Count);
    }

    /// <summary>
    /// Writes a payload in another format: <c>clef</c>, <c>serilog</c> or <c>otlp/v1/logs</c> (the path suffix of the
    /// endpoint), with the batch id and sequence start in headers. Returns the verified receipt.
    /// </summary>
    public async Task<Receipt> WriteFormattedAsync(
        string streamId, string format, string payload, string contentType, string? batchId = null, long? sequenceStart = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (format is not ("clef" or "serilog" or "otlp/v1/logs" or "entries"))
        {
            throw new ArgumentException($"unknown format '{format}'", nameof(format));
        }

        batchId ??= NewBatchId();
        var body = Encoding.UTF8.GetBytes(payload);
        var receipt = await SendAsync<Receipt>(HttpMethod.Post, $"{StreamPath(streamId)}/{format}", () =>
        {
            var content = Content(body, contentType);
            content.Headers.Add("X-LogService-Batch-Id", batchId);
            if (sequenceStart is { } start)
            {
                content.Headers.Add("X-LogService-Sequence-Start", start.ToString(CultureInfo.InvariantCulture));
            }

            return content;
        }, cancellationToken).ConfigureAwait(false);
        return CheckReceipt(receipt, streamId, batchId, count: null);
    }

    /// <summary>Checks a receipt (from this client or elsewhere) against the pinned key set: f+1 distinct valid signatures.</summary>
    public StatementVerification VerifyReceipt(Receipt receipt) => _verifier.VerifyReceipt(receipt);

    // ---- streams ----

    /// <summary>The caller's tenant's streams (an operator may name another <paramref name="tenant"/>).</summary>
    public async Task<IReadOnlyList<StreamInfo>> ListStreamsAsync(string? tenant = null, CancellationToken cancellationToken = default)
    {
        var path = "api/v1/streams" + (tenant is null ? "" : "?tenant=" + Uri.EscapeDataString(tenant));
        using var document = await SendAsync<JsonDocument>(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        var root = document.RootElement;
        var list = root.ValueKind == JsonValueKind.Array ? root : root.GetProperty("streams");
        return list.Deserialize<List<StreamInfo>>(Json) ?? [];
    }

    /// <summary>Creates a stream.</summary>
    public Task<StreamInfo> CreateStreamAsync(CreateStreamRequest request, CancellationToken cancellationToken = default)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, Json);
        return SendAsync<StreamInfo>(HttpMethod.Post, "api/v1/streams", () => Content(body, "application/json"), cancellationToken);
    }

    /// <summary>One stream.</summary>
    public Task<StreamInfo> GetStreamAsync(string streamId, CancellationToken cancellationToken = default) =>
        SendAsync<StreamInfo>(HttpMethod.Get, StreamPath(streamId), null, cancellationToken);

    /// <summary>Closes a stream: later writes are refused.</summary>
    public Task<StreamInfo> CloseStreamAsync(string streamId, CancellationToken cancellationToken = default) =>
        SendAsync<StreamInfo>(HttpMethod.Post, StreamPath(streamId) + "/close", null, cancellationToken);

    // ---- reading ----

    /// <summary>Every page of a query, fetched as the caller consumes them; <paramref name="cursor"/> resumes an earlier page's <see cref="EntryPage.NextCursor"/>.</summary>
    public async IAsyncEnumerable<EntryPage> QueryPagesAsync(EntryQuery query, string? cursor = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        do
        {
            var page = await SendAsync<EntryPage>(HttpMethod.Get, "api/v1/entries?" + query.ToQueryString(cursor), null, cancellationToken).ConfigureAwait(false);
            yield return page;
            cursor = page.Entries.Count == 0 ? null : page.NextCursor;
        }
        while (cursor is not null);
    }

    /// <summary>Every entry a query matches, page after page.</summary>
    public async IAsyncEnumerable<LogEntry> QueryAsync(EntryQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var page in QueryPagesAsync(query, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            foreach (var entry in page.Entries)
            {
                yield return entry;
            }
        }
    }

    /// <summary>How many entries a query matches.</summary>
    public async Task<long> CountAsync(EntryQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        using var document = await SendAsync<JsonDocument>(HttpMethod.Get, "api/v1/entries/count?" + query.ToQueryString(), null, cancellationToken).ConfigureAwait(false);
        return document.RootElement.GetProperty("count").GetInt64();
    }

    /// <summary>A histogram of a query's entries; <paramref name="bucket"/> is <c>1m</c>, <c>5m</c>, <c>1h</c>, <c>1d</c> or seconds.</summary>
    public async Task<IReadOnlyList<HistogramBucket>> HistogramAsync(EntryQuery query, string bucket, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var path = $"api/v1/entries/histogram?{query.ToQueryString()}&bucket={Uri.EscapeDataString(bucket)}";
        using var document = await SendAsync<JsonDocument>(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        return document.RootElement.GetProperty("buckets").Deserialize<List<HistogramBucket>>(Json) ?? [];
    }

    /// <summary>
    /// One entry with its inclusion proof, checked here: the certified head has 2f+1 valid signatures, the sealed
    /// bytes are the entry asked for, and the proof leads from them to the head's Merkle root.
    /// </summary>
    public async Task<ProvenEntry> GetEntryAsync(string streamId, long sequence, CancellationToken cancellationToken = default)
    {
        var entry = await FetchEntryAsync(streamId, sequence, cancellationToken).ConfigureAwait(false);
        if (entry.CertifiedHead is null || (entry.Proof is null && entry.ProofUnavailable?.Contains("newer", StringComparison.Ordinal) == true))
        {
            // No certified head covers the entry yet (the stream has none so far, or the entry is newer than the
            // latest): have one made, then ask again.
            await CreateCertifiedHeadAsync(streamId, cancellationToken).ConfigureAwait(false);
            entry = await FetchEntryAsync(streamId, sequence, cancellationToken).ConfigureAwait(false);
        }

        var head = entry.CertifiedHead ?? throw new ProblemException($"the replica still has no certified head of {streamId} to prove entry {sequence} against");
        var failure = ProofChecks.CheckInclusion(entry, Statement(head));
        return failure is null ? entry : throw new IntegrityException(failure);
    }

    private async Task<ProvenEntry> FetchEntryAsync(string streamId, long sequence, CancellationToken cancellationToken)
    {
        var json = await SendAsync<System.Text.Json.Nodes.JsonObject>(HttpMethod.Get, $"{StreamPath(streamId)}/entries/{sequence}", null, cancellationToken).ConfigureAwait(false);
        var embedded = json["certifiedHead"];
        json.Remove("certifiedHead");
        var entry = json.Deserialize<ProvenEntry>(Json) ?? throw new ProblemException("the entry answer is empty");
        if (entry.StreamId != streamId || entry.Sequence != sequence)
        {
            throw new IntegrityException($"asked for {streamId}#{sequence} and got {entry.StreamId}#{entry.Sequence}");
        }

        // No embedded head: the stream has no certified head yet (the proof, if any, is against the replica's own
        // uncertified head), and the caller has one made. An embedded head is used when it has the documented shape
        // and covers the proof's tree; otherwise the latest certified head is fetched on its own (it may have moved
        // on: then the entry is asked again once).
        if (embedded is null)
        {
            return entry;
        }

        var head = TryHead(embedded, streamId);
        if (head is null || (entry.Proof is { } proof && proof.TreeSize != head.Statement.LastSequence + 1))
        {
            head = await GetCertifiedHeadAsync(streamId, cancellationToken).ConfigureAwait(false);
        }

        return entry with { CertifiedHead = head.Answer };
    }

    private VerifiedHead? TryHead(System.Text.Json.Nodes.JsonNode? node, string streamId)
    {
        try
        {
            var head = node?.Deserialize<SignedHead>(Json);
            return head is null ? null : CheckHead(head, streamId, KeySet.CertifiedQuorum, "certified head");
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private SignedStatement Statement(SignedHead head) =>
        _verifier.VerifyCertifiedHead(head).Statement ?? throw new IntegrityException("the certified head does not decode");

    /// <summary>The sealed entries of a range (inclusive), page after page.</summary>
    public async IAsyncEnumerable<SealedRecord> GetSealedAsync(string streamId, long from, long to, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long? next = from;
        while (next is { } start && start <= to)
        {
            var page = await SendAsync<SealedPage>(HttpMethod.Get, $"{StreamPath(streamId)}/sealed?from={start}&to={to}", null, cancellationToken).ConfigureAwait(false);
            foreach (var record in page.Entries)
            {
                yield return record;
            }

            next = page.Entries.Count == 0 ? null : page.Next;
        }
    }

    /// <summary>Verifies a range on the server with the caller's released keys.</summary>
    public Task<RangeVerification> VerifyRangeAsync(string streamId, long from, long to, CancellationToken cancellationToken = default) =>
        SendAsync<RangeVerification>(HttpMethod.Post, $"{StreamPath(streamId)}/verify?from={from}&to={to}", null, cancellationToken);

    /// <summary>What retention removed from a stream, and why.</summary>
    public async Task<JsonElement> GetTombstonesAsync(string streamId, CancellationToken cancellationToken = default)
    {
        using var document = await SendAsync<JsonDocument>(HttpMethod.Get, StreamPath(streamId) + "/tombstones", null, cancellationToken).ConfigureAwait(false);
        return document.RootElement.Clone();
    }

    // ---- heads and proofs ----

    /// <summary>The answering replica's own head, checked against its pinned key (one signature).</summary>
    public async Task<VerifiedHead> GetHeadAsync(string streamId, CancellationToken cancellationToken = default) =>
        CheckHead((await SendAsync<ReplicaHead>(HttpMethod.Get, StreamPath(streamId) + "/head", null, cancellationToken).ConfigureAwait(false)).ToSignedHead(), streamId, 1, "head");

    /// <summary>The latest certified head, checked: 2f+1 valid signatures of distinct pinned replicas.</summary>
    public async Task<VerifiedHead> GetCertifiedHeadAsync(string streamId, CancellationToken cancellationToken = default) =>
        CheckHead(await SendAsync<SignedHead>(HttpMethod.Get, StreamPath(streamId) + "/certified-head", null, cancellationToken).ConfigureAwait(false), streamId, KeySet.CertifiedQuorum, "certified head");

    /// <summary>Has the replicas certify the stream's head now, and checks the result.</summary>
    public async Task<VerifiedHead> CreateCertifiedHeadAsync(string streamId, CancellationToken cancellationToken = default) =>
        CheckHead(await SendAsync<SignedHead>(HttpMethod.Post, StreamPath(streamId) + "/certified-head", null, cancellationToken).ConfigureAwait(false), streamId, KeySet.CertifiedQuorum, "certified head");

    /// <summary>The consistency proof between two tree sizes, unchecked (see <see cref="VerifyConsistencyAsync"/>).</summary>
    public Task<ConsistencyProof> GetConsistencyProofAsync(string streamId, long first, long second, CancellationToken cancellationToken = default) =>
        SendAsync<ConsistencyProof>(HttpMethod.Get, $"{StreamPath(streamId)}/consistency?first={first}&second={second}", null, cancellationToken);

    /// <summary>Proves that <paramref name="newer"/>'s tree extends <paramref name="older"/>'s (nothing rewritten in between), or throws.</summary>
    public async Task VerifyConsistencyAsync(VerifiedHead older, VerifiedHead newer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(older);
        ArgumentNullException.ThrowIfNull(newer);
        var proof = await GetConsistencyProofAsync(older.Statement.StreamId, older.Statement.LastSequence + 1, newer.Statement.LastSequence + 1, cancellationToken).ConfigureAwait(false);
        var failure = ProofChecks.CheckConsistency(older.Statement, newer.Statement, proof);
        if (failure is not null)
        {
            throw new IntegrityException(failure);
        }
    }

    // ---- keys ----

    /// <summary>The per-entry keys K_j released to the caller for a range.</summary>
    public async Task<IReadOnlyList<ReleasedKey>> GetReleasedKeysAsync(string streamId, long from, long to, CancellationToken cancellationToken = default)
    {
        using var document = await SendAsync<JsonDocument>(HttpMethod.Get, $"{StreamPath(streamId)}/keys?from={from}&to={to}", null, cancellationToken).ConfigureAwait(false);
        return document.RootElement.GetProperty("keys").Deserialize<List<ReleasedKey>>(Json) ?? [];
    }

    /// <summary>Has the key service split the stream's A_0 into <paramref name="m"/> shares, any <paramref name="k"/> of which rebuild it (auditors).</summary>
    public async Task<IReadOnlyList<string>> SplitEscrowAsync(string streamId, int k, int m, CancellationToken cancellationToken = default)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new { k, m }, Json);
        using var document = await SendAsync<JsonDocument>(HttpMethod.Post, StreamPath(streamId) + "/escrow", () => Content(body, "application/json"), cancellationToken).ConfigureAwait(false);
        return document.RootElement.GetProperty("shares").Deserialize<List<string>>(Json) ?? [];
    }

    // ---- deployment ----

    /// <summary>The key set a replica publishes now (compare it with the pinned one; never pin it blindly).</summary>
    public async Task<ReplicaKeySet> GetReplicasAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _transport.SendAsync(HttpMethod.Get, "api/v1/replicas", null, cancellationToken).ConfigureAwait(false);
        await ProblemException.ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
        return ReplicaKeySet.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The answering replica's status (operators: every replica's).</summary>
    public async Task<JsonElement> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        using var document = await SendAsync<JsonDocument>(HttpMethod.Get, "api/v1/status", null, cancellationToken).ConfigureAwait(false);
        return document.RootElement.Clone();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    /// <summary>The path of a stream, <c>api/v1/streams/{tenant}/{name}</c>, after checking the id's form.</summary>
    internal static string StreamPath(string streamId)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        if (!StreamIdForm().IsMatch(streamId))
        {
            throw new ArgumentException($"'{streamId}' is not a stream id (tenant/name, each 1-64 of a-z 0-9 . _ -)", nameof(streamId));
        }

        return "api/v1/streams/" + streamId;
    }

    private static string NewBatchId() => "c-" + Guid.CreateVersion7().ToString("N");

    private static ByteArrayContent Content(byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType) { CharSet = "utf-8" };
        return content;
    }

    private Receipt CheckReceipt(Receipt receipt, string streamId, string? batchId, int? count)
    {
        var result = _verifier.VerifyReceipt(receipt);
        if (!result.IsValid)
        {
            throw new IntegrityException($"the receipt does not verify: {result.Reason}");
        }

        if (receipt.StreamId != streamId || (batchId is not null && receipt.BatchId != batchId) || (count is { } n && receipt.Count != n))
        {
            throw new IntegrityException($"the receipt is for {receipt.StreamId} batch {receipt.BatchId} ({receipt.Count} entries), not the batch sent");
        }

        return receipt;
    }

    private VerifiedHead CheckHead(SignedHead head, string streamId, int quorum, string what)
    {
        var result = _verifier.Verify(head, quorum);
        if (!result.IsValid)
        {
            throw new IntegrityException($"the {what} does not verify: {result.Reason}");
        }

        return result.Statement!.StreamId == streamId
            ? new VerifiedHead(head, result.Statement)
            : throw new IntegrityException($"the {what} is for {result.Statement.StreamId}, not {streamId}");
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, Func<HttpContent?>? content, CancellationToken cancellationToken)
    {
        using var response = await _transport.SendAsync(method, path, content, cancellationToken).ConfigureAwait(false);
        await ProblemException.ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize<T>(text, Json) ?? throw new ProblemException($"{path} answered an empty body");
        }
        catch (JsonException e)
        {
            throw new ProblemException($"{path} answered something that is not the documented shape: {e.Message}", e);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9._-]{1,64}/[a-z0-9._-]{1,64}$")]
    private static partial System.Text.RegularExpressions.Regex StreamIdForm();
}
