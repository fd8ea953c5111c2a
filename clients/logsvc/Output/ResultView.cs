using System.Text.Json;
using LogService.Client;

namespace LogService.Cli.Output;

/// <summary>Prints one command's result: a JSON document, or lines of text for people.</summary>
internal static class ResultView
{
    public static void Print(CliConsole console, OutputMode mode, object json, params string[] lines)
    {
        if (mode == OutputMode.Json)
        {
            console.Out.WriteLine(JsonSerializer.Serialize(json, LogServiceClient.Json));
            return;
        }

        foreach (var line in lines)
        {
            console.Out.WriteLine(line);
        }
    }
}
