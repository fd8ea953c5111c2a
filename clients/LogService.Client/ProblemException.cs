using System.Net;
using System.Text.Json;

namespace LogService.Client;

/// <summary>
/// An RFC 7807 problem a replica answered with (or, when the body was not one, the HTTP status and reason).
/// <see cref="Type"/> is <c>urn:logservice:problem:&lt;area&gt;:&lt;name&gt;</c>.
/// </summary>
public sealed class ProblemException : Exception
{
    /// <summary>Creates the exception from a problem's members.</summary>
    public ProblemException(int status, string type, string title, string? detail, IReadOnlyDictionary<string, JsonElement>? extensions = null)
        : base(detail is null ? title : $"{title} {detail}")
    {
        Status = status;
        Type = type;
        Title = title;
        Detail = detail;
        Extensions = extensions ?? new Dictionary<string, JsonElement>();
    }

    /// <summary>Creates an exception that is not from a server answer.</summary>
    public ProblemException()
        : this(0, "about:blank", "The request failed.", null)
    {
    }

    /// <summary>Creates an exception that is not from a server answer.</summary>
    public ProblemException(string message)
        : this(0, "about:blank", message, null)
    {
    }

    /// <summary>Creates an exception that is not from a server answer.</summary>
    public ProblemException(string message, Exception innerException)
        : base(message, innerException)
    {
        Type = "about:blank";
        Title = message;
        Extensions = new Dictionary<string, JsonElement>();
    }

    /// <summary>The HTTP status.</summary>
    public int Status { get; }

    /// <summary>The problem type URI.</summary>
    public string Type { get; }

    /// <summary>A short, human-readable summary.</summary>
    public string Title { get; }

    /// <summary>The explanation specific to this occurrence.</summary>
    public string? Detail { get; }

    /// <summary>Every other member of the problem (for example <c>rule</c>, <c>file</c>, <c>eventIndex</c>).</summary>
    public IReadOnlyDictionary<string, JsonElement> Extensions { get; }

    /// <summary>Throws a <see cref="ProblemException"/> when <paramref name="response"/> is not a success.</summary>
    public static async Task ThrowIfFailedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        throw await FromResponseAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a failed response as a problem.</summary>
    public static async Task<ProblemException> FromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var status = (int)response.StatusCode;
        var fallbackTitle = response.ReasonPhrase ?? ((HttpStatusCode)status).ToString();
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                var root = document.RootElement;
                var extensions = new Dictionary<string, JsonElement>();
                foreach (var member in root.EnumerateObject())
                {
                    if (member.Name is not ("type" or "title" or "detail" or "status"))
                    {
                        extensions[member.Name] = member.Value.Clone();
                    }
                }

                return new ProblemException(
                    status,
                    Text(root, "type") ?? "about:blank",
                    Text(root, "title") ?? fallbackTitle,
                    Text(root, "detail"),
                    extensions);
            }
        }
        catch (JsonException)
        {
            // Not a problem document (a proxy's page, say): report the status and the start of the body.
        }

        var excerpt = body.Length > 200 ? body[..200] : body;
        return new ProblemException(status, "about:blank", $"HTTP {status} {fallbackTitle}.", string.IsNullOrWhiteSpace(excerpt) ? null : excerpt.Trim());
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
