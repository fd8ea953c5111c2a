using LogService.Core.Entries;

namespace LogService.Core.Tests.Entries;

public class EntriesApiTests
{
    [Fact]
    public void PublicSurfaceIsTheIntendedOne()
    {
        var types = typeof(EntryDraft).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == typeof(EntryDraft).Namespace)
            .Select(t => t.Name)
            .Order(StringComparer.Ordinal);

        Assert.Equal(["EntryBody", "EntryCodec", "EntryDraft", "EntryEncodingException", "EntryLevel", "EventTypes", "LogProperty", "LogValue", "LogValueKind", "SourceHints", "TraceContext"], types);
    }
}
