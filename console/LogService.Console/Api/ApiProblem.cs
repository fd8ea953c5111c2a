namespace LogService.Console.Api;

/// <summary>
/// Why an API call failed, in words for the reviewer: the RFC 7807 problem's title and detail, and for a denial
/// the policy rule and file that denied it. Never carries a stack trace.
/// </summary>
public sealed class ApiProblemException(int status, string title, string? detail, string? rule = null, string? file = null)
    : Exception(detail is null ? title : $"{title} {detail}")
{
    public int Status { get; } = status;

    public string Title { get; } = title;

    public string? Detail { get; } = detail;

    public string? Rule { get; } = rule;

    public string? File { get; } = file;

    public bool IsDenied => Status == 403;

    public bool IsSignedOut => Status == 401;

    public static ApiProblemException Unreachable(string what) =>
        new(503, "The log service cannot be reached.", $"No replica answered for {what}. Try again in a moment.");
}
