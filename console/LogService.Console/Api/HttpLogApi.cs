using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace LogService.Console.Api;

/// <summary>
/// <see cref="ILogApi"/> over HTTP with the signed-in reviewer's access token, trying the configured replicas in
/// order when one cannot be reached. Holds no credentials of its own.
/// </summary>
internal sealed class HttpLogApi(HttpClient http, IHttpContextAccessor context, IOptions<ConsoleOptions> options, TimeProvider time) : ILogApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<IReadOnlyList<StreamInfo>> ListStreamsAsync(CancellationToken cancellationToken) =>
        (await GetAsync<StreamList>("/api/v1/streams", "the stream list", cancellationToken)).Streams;

    public Task<EntryPage> QueryAsync(EntryQuery query, CancellationToken cancellationToken) =>
        GetAsync<EntryPage>("/api/v1/entries" + query.ToApiQuery(time.GetUtcNow()), "the search", cancellationToken);

    public Task<Histogram> HistogramAsync(EntryQuery query, string bucket, CancellationToken cancellationToken) =>
        GetAsync<Histogram>($"/api/v1/entries/histogram{query.ToApiQuery(time.GetUtcNow())}&bucket={Uri.EscapeDataString(bucket)}", "the chart", cancellationToken);

    // The entry answer's fields sit at the top level beside sealed and proof. Its certifiedHead is a summary without the
    // signed statement, so the full certificate is asked for separately: the console checks the proof against it itself.
    public async Task<EntryDetail> GetEntryAsync(string streamId, long sequence, CancellationToken cancellationToken)
    {
        var element = await GetAsync<JsonElement>($"/api/v1/streams/{StreamIds.Checked(streamId)}/entries/{sequence.ToString(CultureInfo.InvariantCulture)}", "the entry", cancellationToken);
        T? Part<T>(string name) where T : class =>
            element.TryGetProperty(name, out var p) && p.ValueKind != JsonValueKind.Null ? p.Deserialize<T>(Json) : null;
        var head = await CertifiedHeadAsync(streamId, cancellationToken);
        return new EntryDetail(element.Deserialize<LogEntry>(Json)!, Part<string>("sealed"), Part<InclusionProof>("proof"), Part<string>("proofUnavailable"), head);
    }

    public Task<VerifyResult> VerifyAsync(string streamId, long from, long to, CancellationToken cancellationToken) =>
        SendAsync<VerifyResult>(HttpMethod.Post, FormattableString.Invariant($"/api/v1/streams/{StreamIds.Checked(streamId)}/verify?from={from}&to={to}"), "the verification", null, cancellationToken);

    public async Task<SignedStatement?> CertifiedHeadAsync(string streamId, CancellationToken cancellationToken)
    {
        try
        {
            return await GetAsync<SignedStatement>($"/api/v1/streams/{StreamIds.Checked(streamId)}/certified-head", "the certified head", cancellationToken);
        }
        catch (ApiProblemException problem) when (problem.Status is 404 or 503)
        {
            // No head yet (404 from older replicas, 503 "not yet certified"): the views say so instead of failing.
            return null;
        }
    }

    public Task<ReplicaSet> ReplicasAsync(CancellationToken cancellationToken) =>
        GetAsync<ReplicaSet>("/api/v1/replicas", "the replica set", cancellationToken);

    public Task<ReplicaStatus> StatusAsync(string replicaUrl, CancellationToken cancellationToken) =>
        SendAsync<ReplicaStatus>(HttpMethod.Get, "/api/v1/status", $"replica {replicaUrl}", [replicaUrl], cancellationToken);

    private Task<T> GetAsync<T>(string path, string what, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Get, path, what, null, cancellationToken);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, string what, IReadOnlyList<string>? only, CancellationToken cancellationToken)
    {
        var token = context.HttpContext is { } current ? await current.GetTokenAsync("access_token") : null;
        ApiProblemException? unavailable = null;
        foreach (var baseUrl in only ?? options.Value.Replicas)
        {
            using var request = new HttpRequestMessage(method, baseUrl.TrimEnd('/') + path);
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException)
            {
                continue;
            }

            using (response)
            {
                if (response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.MisdirectedRequest && only is null)
                {
                    // Another replica may answer; if none does, the last one's reason is the reviewer's message.
                    unavailable = await ProblemOf(response, what, cancellationToken);
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw await ProblemOf(response, what, cancellationToken);
                }

                return (await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken))!;
            }
        }

        throw unavailable ?? ApiProblemException.Unreachable(what);
    }

    private static async Task<ApiProblemException> ProblemOf(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var fallback = status switch
        {
            401 => "Your sign-in has expired or was not accepted. Sign in again.",
            403 => $"You are not allowed to read {what}.",
            404 => $"Not found: {what}.",
            _ => $"The log service could not answer {what} (status {status}).",
        };
        if (response.Content.Headers.ContentType?.MediaType is not ("application/problem+json" or "application/json"))
        {
            return new ApiProblemException(status, fallback, null);
        }

        try
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken);
            string? Text(string name) => problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return new ApiProblemException(status, Text("title") ?? fallback, Text("detail"), Text("rule"), Text("file"));
        }
        catch (JsonException)
        {
            return new ApiProblemException(status, fallback, null);
        }
    }
}
