using LogService.Core.Entries;
using LogService.Core.Policies;
using LogService.Server.Reading;

namespace LogService.Server.Tests.Reading;

/// <summary>A page asks the policy once per body shape; a reused answer must never show what the policy would hide.</summary>
public sealed class PageRedactionTests
{
    private static readonly string[] HiddenPaths = ["email", "user.email"];

    [Fact]
    public void BodiesOfOneShapeAreAskedOnceAndRedactedAsThePolicyWould()
    {
        var asked = 0;
        var page = new PageRedaction(fields => { asked++; return ByPath(fields, null); });

        var first = page.Apply(Fields(("email", "ann@example.org"), ("id", "1")));
        var second = page.Apply(Fields(("email", "bob@example.org"), ("id", "2")));

        Assert.Equal(1, asked);
        Assert.Equal(Redaction.Marker, first["email"]);
        Assert.Equal(Redaction.Marker, second["email"]);
        Assert.Equal(LogValue.String("2"), second["id"]);
    }

    [Fact]
    public void ABodyOfAnotherShapeIsAskedAgainSoANewHiddenFieldIsNeverShown()
    {
        var asked = 0;
        var page = new PageRedaction(fields => { asked++; return ByPath(fields, null); });

        page.Apply(Fields(("id", "1")));
        var withEmail = page.Apply(Fields(("id", "2"), ("email", "ann@example.org")));
        var nested = page.Apply(new Dictionary<string, object?> { ["user"] = Fields(("email", "cid@example.org"), ("name", "cid")) });
        var nestedAgain = page.Apply(new Dictionary<string, object?> { ["user"] = Fields(("email", "dee@example.org"), ("name", "dee")) });

        Assert.Equal(3, asked);
        Assert.Equal(Redaction.Marker, withEmail["email"]);
        var user = (IReadOnlyDictionary<string, object?>)nestedAgain["user"]!;
        Assert.Equal(Redaction.Marker, user["email"]);
        Assert.Equal(LogValue.String("dee"), user["name"]);
        Assert.Equal(Redaction.Marker, ((IReadOnlyDictionary<string, object?>)nested["user"]!)["email"]);
    }

    [Fact]
    public void AnAnswerThatIsNotAMarkerReplacementIsNeverReused()
    {
        var asked = 0;
        var page = new PageRedaction(fields => { asked++; return fields.Where(f => f.Key != "email").ToDictionary(); });

        page.Apply(Fields(("email", "ann@example.org")));
        var second = page.Apply(Fields(("email", "bob@example.org")));

        Assert.Equal(2, asked);
        Assert.False(second.ContainsKey("email"));
    }

    private static Dictionary<string, object?> Fields(params (string Name, string Value)[] fields) =>
        fields.ToDictionary(f => f.Name, f => (object?)LogValue.String(f.Value));

    /// <summary>A path-based policy like the real one: hides <see cref="HiddenPaths"/>.</summary>
    private static Dictionary<string, object?> ByPath(IReadOnlyDictionary<string, object?> fields, string? prefix) =>
        fields.ToDictionary(f => f.Key, f =>
        {
            var path = prefix is null ? f.Key : prefix + "." + f.Key;
            return HiddenPaths.Contains(path) ? Redaction.Marker : f.Value is IReadOnlyDictionary<string, object?> nested ? ByPath(nested, path) : f.Value;
        });
}
