using System.Reflection;

namespace LogService.Console;

/// <summary>
/// The stylesheet and the two small scripts, embedded in the assembly and served from <c>/assets/</c>, so the
/// console runs from its binaries alone, wherever it is hosted.
/// </summary>
internal static class ConsoleAssets
{
    private static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal) { [".css"] = "text/css; charset=utf-8", [".js"] = "text/javascript; charset=utf-8" };

    public static void MapConsoleAssets(this IEndpointRouteBuilder endpoints)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var assets = assembly.GetManifestResourceNames().Where(n => n.StartsWith("assets/", StringComparison.Ordinal))
            .ToDictionary(n => n["assets/".Length..], n => ReadAll(assembly, n), StringComparer.Ordinal);
        endpoints.MapGet("/assets/{name}", (string name, HttpContext context) =>
        {
            if (!assets.TryGetValue(name, out var content))
            {
                return Results.NotFound();
            }

            context.Response.Headers.CacheControl = "public, max-age=300";
            return Results.Bytes(content, Types.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream"));
        }).AllowAnonymous();
    }

    private static byte[] ReadAll(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
