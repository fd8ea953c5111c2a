using LogService.Client.Auth;
using LogService.Client.Trust;

namespace Serilog.Sinks.LogService;

/// <summary>Settings of the LogService sink; every one but the servers, the stream and the key set has a default.</summary>
public sealed class LogServiceSinkOptions
{
    /// <summary>Base URLs of the replicas, tried in order and failed over on error (e.g. <c>https://replica-0.example/</c>).</summary>
    public IList<Uri> ServerUrls { get; } = [];

    /// <summary>The stream to write, <c>tenant/name</c>.</summary>
    public string Stream { get; set; } = "";

    /// <summary>The pinned replica key set (<c>GET /api/v1/replicas</c>, obtained out of band): a batch counts as delivered only with a receipt carrying f+1 valid signatures under it. Required.</summary>
    public ReplicaKeySet? ReplicaKeys { get; set; }

    /// <summary>Where bearer tokens come from: <see cref="StaticTokenSource"/> or <see cref="ClientCredentialsTokenSource"/> (OAuth 2.0 client credentials via OIDC discovery, refreshed before expiry). Null: no token is sent.</summary>
    public ITokenSource? Credentials { get; set; }

    /// <summary>Events per request at most. Default 1,000.</summary>
    public int BatchSizeLimit { get; set; } = 1000;

    /// <summary>Request body bytes at most. Default 4 MiB (the service accepts 10 MiB).</summary>
    public int BatchBytesLimit { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Batches sent and awaiting their receipts at once, each on a replica of its own as far as there are replicas
    /// (batch <c>i</c> of the window starts at the <c>i</c>-th URL and fails over from there). The buffer still
    /// releases a batch only when it and every batch before it is delivered or dead-lettered. With more than one,
    /// batches may be stored in another order than they were sent (each batch's events stay together and in order,
    /// and the per-source sequence numbers give the order). 1 sends one batch at a time, in order, to one replica
    /// until it fails. Default 4.
    /// </summary>
    public int MaxBatchesInFlight { get; set; } = 4;

    /// <summary>How long a partial batch waits for more events before it is sent. Default 2 s.</summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The buffer's directory, one per stream and process identity. Default: <c>logservice-sink/{tenant}_{name}</c> under the local application data folder.</summary>
    public string? BufferDirectory { get; set; }

    /// <summary>Bound on the buffer's bytes on disk; when reached, new events are refused and counted. Default 256 MiB.</summary>
    public long BufferSizeLimitBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Largest event accepted, as CLEF bytes; larger ones are refused and counted. Default 256 KiB, the service's own limit.</summary>
    public int EventBodyLimitBytes { get; set; } = 256 * 1024;

    /// <summary>Wire format. Default <see cref="LogServiceFormat.Clef"/>.</summary>
    public LogServiceFormat Format { get; set; } = LogServiceFormat.Clef;

    /// <summary>Source hint <c>application</c> (native format). Default: the entry assembly's name.</summary>
    public string? Application { get; set; } = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name;

    /// <summary>Source hint <c>node</c> (native format). Default: the machine name.</summary>
    public string? Node { get; set; } = Environment.MachineName;

    /// <summary>Wait before the first retry; doubles per failure (with full jitter). Default 250 ms.</summary>
    public TimeSpan MinimumBackoff { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest wait between retries. Default 30 s.</summary>
    public TimeSpan MaximumBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one request. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long disposing the sink keeps shipping what is buffered; what is left stays on disk for the next start. Default 10 s.</summary>
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The dead-letter file (JSON lines). Default: <c>dead-letter.jsonl</c> in the buffer directory.</summary>
    public string? DeadLetterPath { get; set; }

    /// <summary>The HTTP handler to use (tests, proxies, client certificates). Default: a new <see cref="SocketsHttpHandler"/>.</summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>True when the sink made <see cref="ReplicaKeys"/> and <see cref="Credentials"/> itself (from configuration), so it disposes them with itself.</summary>
    internal bool OwnsKeysAndCredentials { get; set; }

    internal string ResolveBufferDirectory() => BufferDirectory
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "logservice-sink", Stream.Replace('/', '_'));
}
