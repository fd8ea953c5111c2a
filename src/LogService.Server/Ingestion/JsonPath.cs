namespace LogService.Server.Ingestion;

/// <summary>
/// Where a value sits in a JSON document, e.g. <c>resourceLogs[0].scopeLogs[1].logRecords[2].body</c>. Built as a
/// chain of small nodes and turned into text only when an error needs it, so the happy path formats no strings.
/// </summary>
internal sealed class JsonPath
{
    private readonly JsonPath? _parent;
    private readonly string? _member;
    private readonly int _index;

    private JsonPath(JsonPath? parent, string? member, int index)
    {
        _parent = parent;
        _member = member;
        _index = index;
    }

    public static JsonPath Root(string member) => new(null, member, -1);

    public JsonPath Member(string member) => new(this, member, -1);

    public JsonPath Item(int index) => new(this, null, index);

    public override string ToString()
    {
        var prefix = _parent?.ToString();
        return _member is null ? $"{prefix}[{_index}]" : prefix is null ? _member : $"{prefix}.{_member}";
    }
}
