using LogService.Client.Auth;
using LogService.Client.Trust;

namespace LogService.Client;

/// <summary>How a <see cref="LogServiceClient"/> reaches and trusts the service.</summary>
public sealed class LogServiceClientOptions
{
    /// <summary>The replicas' API base URLs, tried in order on failure. Required.</summary>
    public IReadOnlyList<Uri> ReplicaUrls { get; set; } = [];

    /// <summary>The pinned replica key set every receipt, head and proof is checked against. Required.</summary>
    public ReplicaKeySet? KeySet { get; set; }

    /// <summary>Where access tokens come from; null sends requests without one.</summary>
    public ITokenSource? Tokens { get; set; }

    /// <summary>The HTTP client to use; null makes one owned by the client.</summary>
    public HttpClient? Http { get; set; }

    /// <summary>The time one replica has to answer before the next is tried. Default: 30 seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
