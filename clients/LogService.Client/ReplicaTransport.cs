using System.Net;
using System.Net.Http.Headers;
using LogService.Client.Auth;

namespace LogService.Client;

/// <summary>
/// Sends a request to one replica and fails over to the next when it cannot answer (unreachable, timed out, 502,
/// 503 no quorum, 504, or 421 "not the key service"). The replica that last answered is tried first. A 401 refreshes
/// the token once. Requests are rebuilt for every attempt, with the same body and batch id.
/// </summary>
internal sealed class ReplicaTransport(IReadOnlyList<Uri> replicas, HttpClient http, ITokenSource? tokens)
{
    private readonly Uri[] _replicas = replicas.Count > 0
        ? [.. replicas.Select(u => u.AbsoluteUri.EndsWith('/') ? u : new Uri(u.AbsoluteUri + "/"))]
        : throw new ArgumentException("at least one replica URL is needed", nameof(replicas));

    private int _preferred;

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string relative, Func<HttpContent?>? content, CancellationToken cancellationToken)
    {
        Exception? lastFailure = null;
        var start = Volatile.Read(ref _preferred);
        for (var attempt = 0; attempt < _replicas.Length; attempt++)
        {
            var index = (start + attempt) % _replicas.Length;
            try
            {
                var response = await SendOnceAsync(_replicas[index], method, relative, content, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout or HttpStatusCode.MisdirectedRequest)
                {
                    lastFailure = await ProblemException.FromResponseAsync(response, cancellationToken).ConfigureAwait(false);
                    response.Dispose();
                    continue;
                }

                Volatile.Write(ref _preferred, index);
                return response;
            }
            catch (HttpRequestException e)
            {
                lastFailure = e;
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                lastFailure = e;
            }
        }

        throw lastFailure as ProblemException
            ?? new ProblemException($"no replica answered ({string.Join(", ", _replicas.Select(r => r.Authority))}): {lastFailure?.Message}", lastFailure!);
    }

    private async Task<HttpResponseMessage> SendOnceAsync(Uri replica, HttpMethod method, string relative, Func<HttpContent?>? content, CancellationToken cancellationToken)
    {
        string? token = null;
        for (var round = 0; ; round++)
        {
            using var request = new HttpRequestMessage(method, new Uri(replica, relative)) { Content = content?.Invoke() };
            if (tokens is not null)
            {
                token = await tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Unauthorized || tokens is null || round > 0)
            {
                return response;
            }

            // The token may have been revoked or expired early: fetch a new one and try once more.
            response.Dispose();
            tokens.Invalidate(token!);
        }
    }
}
