using System.Net;
using System.Net.Http.Headers;
using LogService.Client.Auth;
using Serilog.Sinks.LogService.Buffer;
using Serilog.Sinks.LogService.Formatting;

namespace Serilog.Sinks.LogService.Shipping;

/// <summary>
/// Sends one batch to one replica and classifies the answer: 2xx with a valid receipt is delivered; network errors,
/// 401 (after dropping the cached token), 408, 429, 5xx and an invalid receipt are retried; any other status is a
/// rejection that goes to the dead-letter file.
/// </summary>
internal sealed class BatchSender(HttpClient http, LogServiceSinkOptions options, ReceiptCheck receipts)
{
    private static readonly MediaTypeHeaderValue ClefType = new("application/vnd.serilog.clef");
    private static readonly MediaTypeHeaderValue NativeType = new("application/vnd.logservice.batch+json");
    private readonly string _path = StreamPath(options.Stream, options.Format);

    /// <summary>Sends <paramref name="batch"/> as <paramref name="batchId"/> to <paramref name="server"/>.</summary>
    public async Task<SendOutcome> SendAsync(Uri server, BufferBatch batch, string batchId, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, _path));
        HttpContent content = options.Format == LogServiceFormat.Clef
            ? new ReadOnlyMemoryContent(batch.Body)
            : new ByteArrayContent(NativeBatchWriter.Write(batch, batchId, options.Application, options.Node));
        content.Headers.ContentType = options.Format == LogServiceFormat.Clef ? ClefType : NativeType;
        request.Content = content;
        request.Headers.Add("X-LogService-Batch-Id", batchId);
        request.Headers.Add("X-LogService-Sequence-Start", batch.FirstSequence.ToString(System.Globalization.CultureInfo.InvariantCulture));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(options.RequestTimeout);
        string? token = null;
        try
        {
            if (options.Credentials is { } credentials)
            {
                token = await credentials.GetTokenAsync(timeout.Token).ConfigureAwait(false);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            return Classify(response, body, batch, token);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return new SendOutcome(SendResult.Retry, 0, $"no answer within {options.RequestTimeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            return new SendOutcome(SendResult.Retry, 0, ex.Message);
        }
        catch (TokenAcquisitionException ex)
        {
            return new SendOutcome(SendResult.Retry, 0, "no access token: " + ex.Message, TryAnotherReplica: false);
        }
    }

    private SendOutcome Classify(HttpResponseMessage response, byte[] body, BufferBatch batch, string? token)
    {
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            var failure = receipts.Check(body, options.Stream, batch.Count);
            return failure is null
                ? new SendOutcome(SendResult.Delivered, status, "delivered")
                : new SendOutcome(SendResult.Retry, status, "invalid receipt: " + failure);
        }

        var retryAfter = RetryAfter(response);
        switch (response.StatusCode)
        {
            case HttpStatusCode.Unauthorized:
                if (token is not null)
                {
                    options.Credentials?.Invalidate(token);
                }

                return new SendOutcome(SendResult.Retry, status, "401: the access token was refused; fetching a new one", TryAnotherReplica: false);
            case HttpStatusCode.TooManyRequests:
                return new SendOutcome(SendResult.Retry, status, "429: rate limited", retryAfter, TryAnotherReplica: false);
            case HttpStatusCode.RequestTimeout:
                return new SendOutcome(SendResult.Retry, status, "408: request timeout", retryAfter);
            case >= HttpStatusCode.InternalServerError:
                return new SendOutcome(SendResult.Retry, status, $"{status}: server error", retryAfter);
            default:
                return new SendOutcome(SendResult.Rejected, status, $"{status}: rejected", Problem: body);
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        return header?.Date is { } date ? date - DateTimeOffset.UtcNow : null;
    }

    private static string StreamPath(string stream, LogServiceFormat format)
    {
        var parts = stream.Split('/');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            throw new ArgumentException($"The stream '{stream}' is not of the form tenant/name.", nameof(stream));
        }

        var endpoint = format == LogServiceFormat.Clef ? "clef" : "entries";
        return $"api/v1/streams/{Uri.EscapeDataString(parts[0])}/{Uri.EscapeDataString(parts[1])}/{endpoint}";
    }
}
