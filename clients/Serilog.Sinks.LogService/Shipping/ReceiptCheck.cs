using System.Text.Json;
using LogService.Client.Models;
using LogService.Client.Trust;

namespace Serilog.Sinks.LogService.Shipping;

/// <summary>
/// Decides whether a write's answer proves delivery: it must be a receipt that the client SDK's
/// <see cref="ReceiptVerifier"/> accepts (f+1 valid signatures of distinct pinned replicas over the statement bytes,
/// fields equal to the bytes), about this stream, and its signed sequence range must cover exactly the batch (for a
/// duplicate, the batch and whatever the stream had grown by when the retry arrived).
/// </summary>
internal sealed class ReceiptCheck(ReplicaKeySet keys)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ReceiptVerifier _verifier = new(keys);

    /// <summary>Null when <paramref name="answer"/> is a valid receipt for <paramref name="count"/> events of <paramref name="stream"/>; otherwise why not.</summary>
    public string? Check(byte[] answer, string stream, int count)
    {
        Receipt? receipt;
        try
        {
            receipt = JsonSerializer.Deserialize<Receipt>(answer, Json);
        }
        catch (JsonException ex)
        {
            return "the answer is not a receipt: " + ex.Message;
        }

        if (receipt is null)
        {
            return "the answer is empty";
        }

        StatementVerification verification;
        lock (_verifier)
        {
            // The pinned key objects are shared by the batches in flight; their checks take turns.
            verification = _verifier.VerifyReceipt(receipt);
        }

        if (!verification.IsValid)
        {
            return verification.Reason;
        }

        var signed = verification.Statement!;
        if (signed.StreamId != stream)
        {
            return $"the receipt is for stream '{signed.StreamId}', not '{stream}'";
        }

        // A duplicate's statement starts at the batch's original first entry and ends at the stream's head when the
        // retry arrived, which is further on once anything was appended after the batch (with several batches in
        // flight, typically the batches behind it): it must cover the batch, not equal it.
        var covered = signed.LastSequence - signed.FirstSequence + 1;
        var duplicate = string.Equals(receipt.Outcome, "duplicate", StringComparison.Ordinal);
        return covered == count || (duplicate && covered > count)
            ? null
            : $"the receipt covers {covered} entries, the batch has {count}";
    }
}
