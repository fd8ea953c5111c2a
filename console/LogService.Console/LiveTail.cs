using System.Globalization;
using LogService.Console.Api;
using LogService.Console.Components.Shared;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LogService.Console;

/// <summary>
/// The rows endpoint the live tail's script polls every second: entries of the page's query at or after
/// <c>since</c>, rendered by the same component as the page's own rows. The script drops rows it already shows.
/// </summary>
internal static class LiveTail
{
    public const string RowsPath = "/tail/rows";

    public static void MapLiveTail(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(RowsPath, Rows).RequireAuthorization();

    private static async Task<IResult> Rows(HttpContext context, ILogApi api, string? since)
    {
        var query = EntryQuery.FromUrl(context.Request.Query.ToDictionary(q => q.Key, q => q.Value, StringComparer.Ordinal)) with
        {
            Range = null,
            Cursor = null,
            Order = "newest",
            Limit = 200,
        };
        if (DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var from))
        {
            query = query with { From = from.ToString("O", CultureInfo.InvariantCulture) };
        }

        try
        {
            var page = await api.QueryAsync(query, context.RequestAborted);
            return new RazorComponentResult<TailRows>(new { page.Entries, Query = query with { From = null, Order = null, Limit = 50 } });
        }
        catch (ApiProblemException problem)
        {
            return Results.Text(problem.Message, "text/plain; charset=utf-8", statusCode: problem.Status);
        }
    }
}
