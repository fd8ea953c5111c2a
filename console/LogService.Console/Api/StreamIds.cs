using System.Text.RegularExpressions;

namespace LogService.Console.Api;

/// <summary>Stream ids as the API defines them (<c>tenant/name</c>, each part 1–64 of <c>a-z 0-9 . _ -</c>), checked before one goes into a request path.</summary>
public static partial class StreamIds
{
    public static bool IsValid(string? streamId) =>
        streamId is not null && Shape().IsMatch(streamId) && streamId.Split('/').All(part => part is not ("." or ".."));

    /// <summary>The id, or an <see cref="ApiProblemException"/> that says it is not one.</summary>
    public static string Checked(string streamId) =>
        IsValid(streamId) ? streamId : throw new ApiProblemException(400, "Not a stream id.", $"'{streamId}' is not of the form tenant/name.");

    [GeneratedRegex("^[a-z0-9._-]{1,64}/[a-z0-9._-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
