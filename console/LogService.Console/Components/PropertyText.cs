using System.Text.Json;
using System.Text.Json.Nodes;

namespace LogService.Console.Components;

/// <summary>How a property value is shown, and whether it can become an equals/differs filter (scalars only).</summary>
internal static class PropertyText
{
    public static string Of(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => value.ToJsonString(),
    };

    public static bool IsFilterable(JsonNode? value) => value is JsonValue;
}
