using LogService.Client.Auth;
using LogService.Client.Trust;
using Serilog.Configuration;
using Serilog.Events;

namespace Serilog.Sinks.LogService;

/// <summary>Adds <c>WriteTo.LogService(…)</c> to Serilog's configuration.</summary>
public static class LogServiceSinkExtensions
{
    /// <summary>Writes events to a LogService stream through a durable on-disk buffer.</summary>
    /// <param name="sinkConfiguration">Serilog's sink configuration.</param>
    /// <param name="serverUrls">Base URLs of the replicas, tried in order and failed over.</param>
    /// <param name="stream">The stream, <c>tenant/name</c>.</param>
    /// <param name="replicaKeys">The pinned replica key set receipts are verified against.</param>
    /// <param name="credentials">Where bearer tokens come from; null sends none.</param>
    /// <param name="configure">Changes the other options (batching, buffer, format, backoff, …).</param>
    /// <param name="restrictedToMinimumLevel">The lowest level passed to the sink.</param>
    /// <returns>The logger configuration, for chaining.</returns>
    public static LoggerConfiguration LogService(this LoggerSinkConfiguration sinkConfiguration, IEnumerable<Uri> serverUrls, string stream,
        ReplicaKeySet replicaKeys, ITokenSource? credentials = null, Action<LogServiceSinkOptions>? configure = null,
        LogEventLevel restrictedToMinimumLevel = LogEventLevel.Verbose)
    {
        ArgumentNullException.ThrowIfNull(serverUrls);
        var options = new LogServiceSinkOptions { Stream = stream, ReplicaKeys = replicaKeys, Credentials = credentials };
        foreach (var url in serverUrls)
        {
            options.ServerUrls.Add(url);
        }

        configure?.Invoke(options);
        return sinkConfiguration.LogService(options, restrictedToMinimumLevel);
    }

    /// <summary>Writes events to a LogService stream with the given options.</summary>
    /// <param name="sinkConfiguration">Serilog's sink configuration.</param>
    /// <param name="options">The sink's options; <see cref="LogServiceSinkOptions.ServerUrls"/>, <see cref="LogServiceSinkOptions.Stream"/> and <see cref="LogServiceSinkOptions.ReplicaKeys"/> are required.</param>
    /// <param name="restrictedToMinimumLevel">The lowest level passed to the sink.</param>
    /// <returns>The logger configuration, for chaining.</returns>
    public static LoggerConfiguration LogService(this LoggerSinkConfiguration sinkConfiguration, LogServiceSinkOptions options,
        LogEventLevel restrictedToMinimumLevel = LogEventLevel.Verbose)
    {
        ArgumentNullException.ThrowIfNull(sinkConfiguration);
        return sinkConfiguration.Sink(new LogServiceSink(options), restrictedToMinimumLevel);
    }

    /// <summary>
    /// The form Serilog.Settings.Configuration binds from <c>appsettings.json</c> (<c>"Name": "LogService"</c>): only
    /// text and numbers. Credentials are a static <paramref name="accessToken"/>, or client credentials against
    /// <paramref name="authority"/> (an OIDC issuer) with <paramref name="clientId"/> and <paramref name="clientSecret"/>.
    /// </summary>
    /// <param name="sinkConfiguration">Serilog's sink configuration.</param>
    /// <param name="serverUrls">Replica base URLs separated by commas, semicolons or spaces.</param>
    /// <param name="stream">The stream, <c>tenant/name</c>.</param>
    /// <param name="replicaKeySetPath">A file holding the pinned key set (the <c>GET /api/v1/replicas</c> document).</param>
    /// <param name="accessToken">A static bearer token.</param>
    /// <param name="authority">The OIDC issuer for client credentials.</param>
    /// <param name="clientId">The client id for client credentials.</param>
    /// <param name="clientSecret">The client secret for client credentials.</param>
    /// <param name="scope">Scopes to ask for with client credentials.</param>
    /// <param name="batchSizeLimit">Events per request at most.</param>
    /// <param name="period">How long a partial batch waits; default 2 s.</param>
    /// <param name="bufferDirectory">The buffer's directory.</param>
    /// <param name="bufferSizeLimitBytes">Bound on the buffer's bytes on disk; default 256 MiB.</param>
    /// <param name="format">Wire format.</param>
    /// <param name="deadLetterPath">The dead-letter file.</param>
    /// <param name="flushTimeout">How long closing the logger keeps shipping; default 10 s.</param>
    /// <param name="maxBatchesInFlight">Batches awaiting their receipts at once; default 4.</param>
    /// <param name="restrictedToMinimumLevel">The lowest level passed to the sink.</param>
    /// <returns>The logger configuration, for chaining.</returns>
    public static LoggerConfiguration LogService(this LoggerSinkConfiguration sinkConfiguration, string serverUrls, string stream, string replicaKeySetPath,
        string? accessToken = null, string? authority = null, string? clientId = null, string? clientSecret = null, string? scope = null,
        int batchSizeLimit = 1000, TimeSpan? period = null, string? bufferDirectory = null, long bufferSizeLimitBytes = 256L * 1024 * 1024,
        LogServiceFormat format = LogServiceFormat.Clef, string? deadLetterPath = null, TimeSpan? flushTimeout = null,
        int maxBatchesInFlight = 4, LogEventLevel restrictedToMinimumLevel = LogEventLevel.Verbose)
    {
        ArgumentNullException.ThrowIfNull(serverUrls);
        var options = new LogServiceSinkOptions
        {
            Stream = stream,
            ReplicaKeys = ReplicaKeySet.Load(replicaKeySetPath),
            Credentials = Credentials(accessToken, authority, clientId, clientSecret, scope),
            OwnsKeysAndCredentials = true,
            BatchSizeLimit = batchSizeLimit,
            Period = period ?? TimeSpan.FromSeconds(2),
            BufferDirectory = bufferDirectory,
            BufferSizeLimitBytes = bufferSizeLimitBytes,
            Format = format,
            DeadLetterPath = deadLetterPath,
            FlushTimeout = flushTimeout ?? TimeSpan.FromSeconds(10),
            MaxBatchesInFlight = maxBatchesInFlight,
        };
        foreach (var url in serverUrls.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries))
        {
            options.ServerUrls.Add(new Uri(url, UriKind.Absolute));
        }

        return sinkConfiguration.LogService(options, restrictedToMinimumLevel);
    }

    private static ITokenSource? Credentials(string? accessToken, string? authority, string? clientId, string? clientSecret, string? scope)
    {
        if (accessToken is not null)
        {
            return new StaticTokenSource(accessToken);
        }

        if (authority is null)
        {
            return null;
        }

        return new ClientCredentialsTokenSource(new ClientCredentialsOptions
        {
            Authority = new Uri(authority, UriKind.Absolute),
            ClientId = clientId ?? throw new ArgumentException("clientId is required with an authority.", nameof(clientId)),
            ClientSecret = clientSecret ?? throw new ArgumentException("clientSecret is required with an authority.", nameof(clientSecret)),
            Scope = scope,
        });
    }
}
