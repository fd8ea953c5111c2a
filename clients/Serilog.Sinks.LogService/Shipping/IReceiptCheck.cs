namespace Serilog.Sinks.LogService.Shipping;

/// <summary>Decides whether a write's receipt proves delivery.</summary>
internal interface IReceiptCheck
{
    /// <summary>Null when <paramref name="receiptJson"/> is a valid receipt for <paramref name="count"/> events of <paramref name="stream"/>; otherwise why not.</summary>
    string? Check(byte[] receiptJson, string stream, int count);
}
