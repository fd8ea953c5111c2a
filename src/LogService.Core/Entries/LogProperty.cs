namespace LogService.Core.Entries;

/// <summary>One named value of an entry's properties, or of a structured value inside them.</summary>
/// <param name="Name">The name exactly as the writer sent it.</param>
/// <param name="Value">The value.</param>
public readonly record struct LogProperty(string Name, LogValue Value);
