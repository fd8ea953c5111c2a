using System.CommandLine;
using LogService.Cli.Input;
using LogService.Client;

namespace LogService.Cli.Commands;

/// <summary>The filters <c>query</c> and <c>tail</c> share (docs/api.md "Reading").</summary>
internal sealed class QueryFilters
{
    private readonly Option<string?> _from = new("--from") { Description = "Earliest time: ISO 8601, or a duration ago (15m, 2h, 7d)." };
    private readonly Option<string?> _to = new("--to") { Description = "Latest time (exclusive), same forms as --from." };
    private readonly Option<string?> _level = new("--level", "-l") { Description = "Minimum level." };
    private readonly Option<string?> _text = new("--text", "-t") { Description = "Free text over what you may read." };
    private readonly Option<string[]> _properties = new("--prop") { Description = "Property equals value, Name=Value (repeatable).", HelpName = "name=value" };
    private readonly Option<string[]> _notProperties = new("--not-prop") { Description = "Property differs from value, Name=Value (repeatable).", HelpName = "name=value" };
    private readonly Option<string?> _sourceCloud = new("--source-cloud") { Description = "Source cloud (the writer's tenant issuer)." };
    private readonly Option<string?> _sourceNode = new("--source-node") { Description = "Source node." };
    private readonly Option<string?> _sourceUser = new("--source-user") { Description = "Source user." };
    private readonly Option<string?> _eventType = new("--event-type") { Description = "Event type." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _from, _to, _level, _text, _properties, _notProperties, _sourceCloud, _sourceNode, _sourceUser, _eventType })
        {
            command.Options.Add(option);
        }
    }

    public EntryQuery Query(ParseResult parse, IReadOnlyList<string> streams, DateTimeOffset now) => new()
    {
        Streams = streams,
        From = parse.GetValue(_from) is { } from ? ArgumentParsers.Time(from, now, "--from") : null,
        To = parse.GetValue(_to) is { } to ? ArgumentParsers.Time(to, now, "--to") : null,
        Level = parse.GetValue(_level),
        Text = parse.GetValue(_text),
        Properties = ArgumentParsers.Filters(parse.GetValue(_properties), "--prop"),
        NotProperties = ArgumentParsers.Filters(parse.GetValue(_notProperties), "--not-prop"),
        SourceCloud = parse.GetValue(_sourceCloud),
        SourceNode = parse.GetValue(_sourceNode),
        SourceUser = parse.GetValue(_sourceUser),
        EventType = parse.GetValue(_eventType),
    };
}
