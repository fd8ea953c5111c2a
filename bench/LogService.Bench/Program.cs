using System.Text.Json;
using System.Text.Json.Nodes;

namespace LogService.Bench;

/// <summary>
/// Usage: <c>dotnet run -c Release --project bench/LogService.Bench -- SCENARIO [--quick]</c>.
/// Progress goes to standard error; the last line of standard output is one JSON object of figures.
/// </summary>
internal static class BenchMain
{
    public static async Task<int> Main(string[] args)
    {
        var scenarios = typeof(BenchMain).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(IBenchScenario).IsAssignableFrom(t))
            .Select(t => (IBenchScenario)Activator.CreateInstance(t)!)
            .ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);

        var name = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal));
        if (name is null || !scenarios.TryGetValue(name, out var scenario))
        {
            System.Console.Error.WriteLine($"usage: LogService.Bench SCENARIO [--quick]; SCENARIO is one of: {string.Join(", ", scenarios.Keys.Order())}");
            return 2;
        }

        var quick = args.Contains("--quick");
        var progress = new BenchProgress(scenario.Name);
        JsonObject figures;
        try
        {
            figures = await scenario.RunAsync(new BenchContext(quick, progress));
        }
        catch (Exception ex)
        {
            System.Console.Error.WriteLine($"{scenario.Name}: {ex.Message}");
            return 1;
        }

        var result = new JsonObject
        {
            ["scenario"] = scenario.Name,
            ["quick"] = quick,
            ["machine"] = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}",
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in figures)
        {
            result[key] = value?.DeepClone();
        }
        System.Console.Out.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        return 0;
    }
}
