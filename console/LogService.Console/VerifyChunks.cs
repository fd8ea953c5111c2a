using LogService.Console.Api;

namespace LogService.Console;

/// <summary>
/// One step of the Verify view: the server-side verification of a sub-range with the reviewer's keys. The view's
/// script walks the range in steps, so its progress bar moves and the first bad entry shows as soon as it is found.
/// </summary>
internal static class VerifyChunks
{
    public const string Path = "/verify/chunk";
    private const long MaxChunk = 10_000;

    public static void MapVerifyChunks(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost(Path, Verify).RequireAuthorization();

    private static async Task<IResult> Verify(ILogApi api, string stream, long from, long to, CancellationToken cancellationToken)
    {
        if (!StreamIds.IsValid(stream) || from < 0 || to < from || to - from >= MaxChunk)
        {
            return Results.Problem(statusCode: 400, title: "Not a valid range.", detail: $"Give a stream id and 0 ≤ from ≤ to, at most {MaxChunk} entries.");
        }

        try
        {
            return Results.Json(await api.VerifyAsync(stream, from, to, cancellationToken));
        }
        catch (ApiProblemException problem)
        {
            return Results.Problem(statusCode: problem.Status, title: problem.Title, detail: problem.Detail);
        }
    }
}
