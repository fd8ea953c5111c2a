using LogService.Core.Entries;

namespace LogService.Core.Tests.Entries;

/// <summary>Drafts with every field set, for encoding tests.</summary>
internal static class EntrySamples
{
    public static EntryBody FullBody() => new()
    {
        TimestampUnixMicros = 1_763_733_600_123_456,
        MessageTemplate = "Order {OrderId} paid {Amount:0.00} by {@Customer}",
        RenderedMessage = "Order 42 paid 9.50 by Customer { Name: \"Ana\" }",
        Renderings = ["9.50"],
        Exception = "System.InvalidOperationException: boom\n   at Shop.Pay()",
        TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
        SpanId = "00f067aa0ba902b7",
        Source = new SourceHints("shop", "web-1", "svc-orders"),
        Properties =
        [
            new("OrderId", LogValue.Number("42")),
            new("Amount", LogValue.Number("9.50")),
            new("Customer", LogValue.Object([new("Name", LogValue.String("Ana")), new("Vip", LogValue.True), new("Tags", LogValue.Array([LogValue.String("a"), LogValue.Null]))])),
            new("Big", LogValue.Number("123456789012345678901234567890")),
            new("Ünïcödé ✓", LogValue.String("𝄞 music")),
        ],
    };

    public static EntryDraft FullDraft() => new()
    {
        Level = EntryLevel.Warning,
        EventType = 0xdeadbeef,
        Sequence = 1234,
        BatchId = "batch-7:a",
        Body = FullBody(),
    };

    public static EntryDraft MinimalDraft() => new() { Body = new EntryBody { TimestampUnixMicros = 0 } };
}
