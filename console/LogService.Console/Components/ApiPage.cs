using LogService.Console.Api;
using Microsoft.AspNetCore.Components;

namespace LogService.Console.Components;

/// <summary>
/// A view that reads the API as the signed-in reviewer. A failed call leaves <see cref="Problem"/> set for the view
/// to show as a readable message; a denial or an expired sign-in also sets the HTTP status.
/// </summary>
public abstract class ApiPage : ComponentBase
{
    [Inject]
    protected ILogApi Api { get; set; } = default!;

    [Inject]
    protected TimeProvider Time { get; set; } = default!;

    [CascadingParameter]
    protected HttpContext HttpContext { get; set; } = default!;

    protected ApiProblemException? Problem { get; private set; }

    protected CancellationToken Aborted => HttpContext.RequestAborted;

    protected EntryQuery UrlQuery => EntryQuery.FromUrl(HttpContext.Request.Query.ToDictionary(q => q.Key, q => q.Value, StringComparer.Ordinal));

    protected async Task<T?> Call<T>(Func<ILogApi, CancellationToken, Task<T>> call)
    {
        try
        {
            return await call(Api, Aborted);
        }
        catch (ApiProblemException problem)
        {
            Problem ??= problem;
            if (problem.Status is 401 or 403 && !HttpContext.Response.HasStarted)
            {
                HttpContext.Response.StatusCode = problem.Status;
            }

            return default;
        }
    }

    protected static string Time8601(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture);

    protected static string EntryUrl(LogEntry entry) => $"/entry/{entry.StreamId}/{entry.Sequence}";
}
