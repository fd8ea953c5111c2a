namespace LogService.Core.Entries;

/// <summary>The JSON kind of a <see cref="LogValue"/>; the numbers are the tags of the body encoding.</summary>
public enum LogValueKind : byte
{
    /// <summary>JSON <c>null</c>.</summary>
    Null = 0,

    /// <summary>JSON <c>false</c>.</summary>
    False = 1,

    /// <summary>JSON <c>true</c>.</summary>
    True = 2,

    /// <summary>A JSON number, kept as the text the writer sent.</summary>
    Number = 3,

    /// <summary>A string.</summary>
    String = 4,

    /// <summary>An ordered list of values.</summary>
    Array = 5,

    /// <summary>An ordered list of named values.</summary>
    Object = 6,
}
