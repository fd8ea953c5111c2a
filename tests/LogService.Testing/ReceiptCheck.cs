using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace LogService.Testing;

/// <summary>
/// Checks a write receipt the way a writer must (docs/api.md, "Writing"): each signature verifies with the pinned key
/// of the replica it names over <c>statementBytes</c>, the decoded statement equals the JSON fields, and there are at
/// least f+1 valid signatures of distinct replicas (2f+1 for a certified head).
/// </summary>
public static class ReceiptCheck
{
    /// <summary>Null when the receipt is valid against the key set; otherwise why not.</summary>
    /// <param name="receipt">The receipt JSON (the 200 body of a write).</param>
    /// <param name="keySet">The body of <c>GET /api/v1/replicas</c>.</param>
    public static string? Problem(JsonElement receipt, JsonElement keySet) => Problem(receipt, keySet, keySet.GetProperty("f").GetInt32() + 1);

    /// <summary>
    /// Null when the certified head (<c>GET /api/v1/streams/{tenant}/{name}/certified-head</c>) carries 2f+1 valid
    /// signatures of distinct replicas over its statement; otherwise why not.
    /// </summary>
    /// <param name="certificate">The certified head JSON.</param>
    /// <param name="keySet">The body of <c>GET /api/v1/replicas</c>.</param>
    public static string? CertifiedHeadProblem(JsonElement certificate, JsonElement keySet) =>
        Problem(certificate, keySet, (2 * keySet.GetProperty("f").GetInt32()) + 1);

    private static string? Problem(JsonElement receipt, JsonElement keySet, int required)
    {
        var keys = keySet.GetProperty("replicas").EnumerateArray()
            .ToDictionary(r => r.GetProperty("id").GetInt32(), r => Convert.FromBase64String(r.GetProperty("signingKey").GetString()!));
        var bytes = Convert.FromBase64String(receipt.GetProperty("statementBytes").GetString()!);
        if (FieldsProblem(bytes, receipt.GetProperty("statement")) is { } mismatch)
        {
            return mismatch;
        }

        var valid = new HashSet<int>();
        foreach (var signature in receipt.GetProperty("signatures").EnumerateArray())
        {
            var replica = signature.GetProperty("replica").GetInt32();
            if (!keys.TryGetValue(replica, out var key))
            {
                return $"signature of unknown replica {replica}";
            }

            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(key, out _);
            if (!ecdsa.VerifyData(bytes, Convert.FromBase64String(signature.GetProperty("signature").GetString()!), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
            {
                return $"replica {replica}'s signature does not verify";
            }

            valid.Add(replica);
        }

        return valid.Count >= required ? null : $"{valid.Count} valid signatures of distinct replicas; {required} needed";
    }

    private static string? FieldsProblem(byte[] bytes, JsonElement statement)
    {
        var domain = "logsvc/commit/v1\0"u8;
        if (bytes.Length < domain.Length + 2 || !bytes.AsSpan(0, domain.Length).SequenceEqual(domain))
        {
            return "statementBytes is not a commit statement";
        }

        var span = bytes.AsSpan(domain.Length);
        int idLength = BinaryPrimitives.ReadUInt16BigEndian(span);
        if (span.Length != 2 + idLength + 88)
        {
            return "statementBytes has the wrong length";
        }

        var fields = span[(2 + idLength)..];
        var same = Encoding.UTF8.GetString(span.Slice(2, idLength)) == statement.GetProperty("streamId").GetString()
            && BinaryPrimitives.ReadInt64BigEndian(fields) == statement.GetProperty("firstSequence").GetInt64()
            && BinaryPrimitives.ReadInt64BigEndian(fields[8..]) == statement.GetProperty("lastSequence").GetInt64()
            && fields.Slice(16, 32).SequenceEqual(Convert.FromBase64String(statement.GetProperty("yHead").GetString()!))
            && fields.Slice(48, 32).SequenceEqual(Convert.FromBase64String(statement.GetProperty("merkleRoot").GetString()!))
            && BinaryPrimitives.ReadInt64BigEndian(fields[80..]) == statement.GetProperty("instance").GetInt64();
        return same ? null : "the statement's fields differ from statementBytes";
    }
}
