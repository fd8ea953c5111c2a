using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Serilog.Sinks.LogService.Tests.Support;

/// <summary>
/// A LogService write endpoint on real Kestrel (127.0.0.1, a free port) for failure injection: it parses CLEF and
/// native batches, deduplicates on the batch id like the Log Core, answers with receipts signed by f+1 of the
/// replica keys (or, when forging, by a key nobody pinned), and can be scripted to answer with errors first.
/// </summary>
internal sealed class FakeLogService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FakeReplicaKeys _keys;
    private readonly ECDsa _forger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ConcurrentQueue<ScriptedAnswer> _script = new();
    private readonly object _gate = new();
    private readonly Dictionary<string, (long First, int Count)> _batches = new(StringComparer.Ordinal);
    private readonly List<StoredEvent> _stored = [];
    private readonly List<RequestRecord> _requests = [];
    private long _streamSequence;
    private int _writesInProgress;
    private int _mostConcurrentWrites;

    private FakeLogService(WebApplication app, FakeReplicaKeys keys)
    {
        _app = app;
        _keys = keys;
    }

    /// <summary>The base URL, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Sign receipts with an unpinned key (a lying replica).</summary>
    public bool ForgeReceipts { get; set; }

    /// <summary>Answer every write with 503 while true (a replica that is down but reachable).</summary>
    public bool Unavailable { get; set; }

    /// <summary>Delay before answering a write (so a kill lands while requests are in flight).</summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>Answer 503 to every batch holding this per-source sequence number while set (one batch failing while later ones succeed).</summary>
    public long? FailBatchHolding { get; set; }

    /// <summary>Most write requests this fake was handling at once.</summary>
    public int MostConcurrentWrites => Volatile.Read(ref _mostConcurrentWrites);

    /// <summary>Do nothing but answer with a valid receipt (the benchmark's server that costs as little as possible).</summary>
    public bool Discard { get; set; }

    public static async Task<FakeLogService> StartAsync(FakeReplicaKeys keys)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var fake = new FakeLogService(app, keys);
        app.MapPost("/api/v1/streams/{tenant}/{name}/{format}", fake.WriteAsync);
        app.MapGet("/api/v1/replicas", () => Results.Text(keys.KeySetJson(), "application/json"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.Url = new Uri(address.TrimEnd('/') + "/");
        return fake;
    }

    /// <summary>Answers the next write requests with these, in order, before behaving normally.</summary>
    public void Script(params ScriptedAnswer[] answers)
    {
        foreach (var answer in answers)
        {
            _script.Enqueue(answer);
        }
    }

    public IReadOnlyList<StoredEvent> Stored { get { lock (_gate) { return _stored.ToList(); } } }

    public IReadOnlyList<RequestRecord> Requests { get { lock (_gate) { return _requests.ToList(); } } }

    private async Task WriteAsync(HttpContext context, string tenant, string name, string format)
    {
        var now = Interlocked.Increment(ref _writesInProgress);
        InterlockedMax(ref _mostConcurrentWrites, now);
        try
        {
            await HandleWriteAsync(context, tenant, name, format);
        }
        finally
        {
            Interlocked.Decrement(ref _writesInProgress);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }

    private async Task HandleWriteAsync(HttpContext context, string tenant, string name, string format)
    {
        var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        if (ResponseDelay > TimeSpan.Zero)
        {
            await Task.Delay(ResponseDelay);
        }

        var batchId = context.Request.Headers["X-LogService-Batch-Id"].ToString();
        var sequenceStart = long.Parse(context.Request.Headers["X-LogService-Sequence-Start"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
        if (Discard)
        {
            await Answer(context, Receipt($"{tenant}/{name}", batchId, 0, CountLines(body), "committed"));
            return;
        }

        var events = format == "clef" ? ParseClef(body.ToArray()) : ParseNative(body.ToArray(), ref batchId, ref sequenceStart);
        var stream = $"{tenant}/{name}";
        lock (_gate)
        {
            _requests.Add(new RequestRecord(DateTimeOffset.UtcNow, batchId, sequenceStart, events.Count, context.Request.ContentType ?? ""));
        }

        if (_script.TryDequeue(out var scripted))
        {
            context.Response.StatusCode = scripted.Status;
            if (scripted.RetryAfterSeconds is { } after)
            {
                context.Response.Headers.RetryAfter = after.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (scripted.Problem is not null)
            {
                context.Response.ContentType = "application/problem+json";
                await context.Response.WriteAsync(scripted.Problem);
            }

            return;
        }

        if (Unavailable || (FailBatchHolding is { } held && held >= sequenceStart && held < sequenceStart + events.Count))
        {
            context.Response.StatusCode = 503;
            return;
        }

        JsonObject receipt;
        lock (_gate)
        {
            if (_batches.TryGetValue(batchId, out var original))
            {
                // Like the Log Core: the original range, signed as far as the stream's head now.
                receipt = Receipt(stream, batchId, original.First, original.Count, "duplicate", _streamSequence - 1);
            }
            else
            {
                var first = _streamSequence;
                for (var i = 0; i < events.Count; i++)
                {
                    _stored.Add(new StoredEvent(sequenceStart + i, batchId, events[i]));
                }

                _streamSequence += events.Count;
                receipt = Receipt(stream, batchId, first, events.Count, "committed");
                _batches[batchId] = (first, events.Count);
            }
        }

        await Answer(context, receipt);
    }

    private JsonObject Receipt(string stream, string batchId, long first, int count, string outcome, long? streamLast = null) =>
        _keys.Receipt(stream, batchId, first, count, outcome, ForgeReceipts ? [_forger, _forger] : _keys.Keys[..(FakeReplicaKeys.F + 1)], streamLast);

    private static Task Answer(HttpContext context, JsonObject receipt)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(receipt.ToJsonString());
    }

    private static int CountLines(MemoryStream body) => body.ToArray().Count(b => b == (byte)'\n') + 1;

    private static List<JsonElement> ParseClef(byte[] body) =>
        Encoding.UTF8.GetString(body).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();

    private static List<JsonElement> ParseNative(byte[] body, ref string batchId, ref long sequenceStart)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        batchId = root.GetProperty("batchId").GetString()!;
        sequenceStart = root.GetProperty("sequenceStart").GetInt64();
        return root.GetProperty("entries").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _forger.Dispose();
    }
}

/// <summary>An answer the fake gives instead of storing the batch.</summary>
internal sealed record ScriptedAnswer(int Status, int? RetryAfterSeconds = null, string? Problem = null);

/// <summary>An event the fake stored, with the writer's per-source sequence.</summary>
internal sealed record StoredEvent(long Sequence, string BatchId, JsonElement Event);

/// <summary>One write request as the fake saw it.</summary>
internal sealed record RequestRecord(DateTimeOffset Time, string BatchId, long SequenceStart, int Count, string ContentType);
