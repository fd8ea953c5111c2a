using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LogService.Cli.Config;
using LogService.Cli.Input;
using LogService.Cli.Output;
using LogService.Client;
using LogService.Client.Models;
using LogService.Client.Offline;
using LogService.Client.Trust;
using LogService.Sealing;

namespace LogService.Cli.Commands;

/// <summary>
/// <c>logsvc verify</c>, online: a fresh certified head (2f+1 pinned signatures), proven consistent with the head
/// verified last time (so history cannot be rewritten between runs unnoticed), then the range verified by the
/// service chunk by chunk. Offline (<c>--bundle</c>): an export checked without the service, with A_0 or auditor shares
/// for MACs and bodies, or without secrets for links and the Merkle root.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(CliContext context)
    {
        var stream = new Argument<string?>("stream") { Description = "The stream to verify online, tenant/name.", Arity = ArgumentArity.ZeroOrOne };
        var from = new Option<long?>("--from") { Description = "Online: the first sequence to verify (default 0)." };
        var to = new Option<long?>("--to") { Description = "Online: the last sequence (default: the certified head's)." };
        var chunk = new Option<int>("--chunk") { Description = "Online: entries per verification request.", DefaultValueFactory = _ => 10_000 };
        var bundle = new Option<string?>("--bundle") { Description = "Verify this export bundle offline instead.", HelpName = "file" };
        var secretFile = new Option<string?>("--secret-file") { Description = "Offline: A_0 (raw, base64 or hex) for full verification.", HelpName = "file" };
        var shares = new Option<string[]>("--share") { Description = "Offline: an auditor share of A_0 (repeatable; k are needed).", HelpName = "share" };
        var sharesFile = new Option<string?>("--shares-file") { Description = "Offline: auditor shares, one per line.", HelpName = "file" };
        var keys = new Option<string?>("--keys") { Description = "Offline: the replica key set to trust (default: the one pinned at login).", HelpName = "file" };
        var trustBundleKeys = new Option<bool>("--trust-bundle-keys") { Description = "Offline: trust the key set inside the bundle (only if you got the bundle from a source you trust)." };
        var command = new Command("verify", "Verify a stream online, or an export bundle offline.") { stream, from, to, chunk, bundle, secretFile, shares, sharesFile, keys, trustBundleKeys };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(bundle) is { } file)
            {
                var secret = Secret(parse.GetValue(secretFile), parse.GetValue(shares) ?? [], parse.GetValue(sharesFile));
                return await OfflineAsync(context, parse, file, secret, parse.GetValue(keys), parse.GetValue(trustBundleKeys), cancellationToken).ConfigureAwait(false);
            }

            var streamId = parse.GetValue(stream) ?? throw CliException.Usage("give a stream to verify online, or --bundle FILE to verify offline");
            if (parse.GetValue(chunk) is < 1 or > 100_000)
            {
                throw CliException.Usage("--chunk must be 1-100000");
            }

            using var session = context.Connect(parse);
            return await OnlineAsync(context, parse, session, streamId, parse.GetValue(from) ?? 0, parse.GetValue(to), parse.GetValue(chunk), cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> OnlineAsync(CliContext context, ParseResult parse, Session session, string streamId, long from, long? to, int chunk, CancellationToken cancellationToken)
    {
        var client = session.Client;
        var head = await client.CreateCertifiedHeadAsync(streamId, cancellationToken).ConfigureAwait(false);
        var signers = new ReceiptVerifier(session.Keys).VerifyCertifiedHead(head.Answer).ValidSigners;
        var lines = new List<string> { $"{streamId}: certified head at #{head.Statement.LastSequence} signed by replicas {string.Join(", ", signers)} ({session.Keys.CertifiedQuorum} needed)" };
        lines.Add(await CheckAgainstRememberedAsync(client, session, head, cancellationToken).ConfigureAwait(false));

        var last = Math.Min(to ?? head.Statement.LastSequence, head.Statement.LastSequence);
        long checkedCount = 0, verified = 0;
        RangeFailure? failure = null;
        var progress = new ProgressLine(context.Console, "verify");
        try
        {
            for (var start = from; start <= last && failure is null; start += chunk)
            {
                var result = await client.VerifyRangeAsync(streamId, start, Math.Min(last, start + chunk - 1), cancellationToken).ConfigureAwait(false);
                checkedCount += result.Checked;
                verified += result.Verified;
                failure = result.FirstFailure;
                progress.Report("checked", Math.Min(last, start + chunk - 1) - from + 1, last - from + 1);
            }
        }
        finally
        {
            progress.Complete();
        }

        lines.Add(string.Create(CultureInfo.InvariantCulture, $"entries #{from}-#{last}: {checkedCount:N0} checked, {verified:N0} verified with your released keys{(checkedCount > verified && failure is null ? $", {checkedCount - verified:N0} not readable with your keys (links checked)" : "")}"));
        if (failure is not null)
        {
            lines.Add($"FAILED at #{failure.Sequence}: {failure.Failure}{(failure.Detail is null ? "" : ": " + failure.Detail)}");
        }
        else
        {
            PrivateFile.WriteText(session.Paths.HeadOf(streamId), JsonSerializer.Serialize(head.Answer, LogServiceClient.Json));
        }

        ResultView.Print(context.Console, context.Mode(parse),
            new { streamId, valid = failure is null, certifiedHead = head.Statement.LastSequence, signers, from, to = last, @checked = checkedCount, verified, firstFailure = failure },
            [.. lines, failure is null ? "OK" : "INVALID"]);
        return failure is null ? ExitCodes.Ok : ExitCodes.IntegrityFailure;
    }

    /// <summary>
    /// Proves the new certified head extends the one this user verified last time (an RFC 6962 consistency proof), so
    /// entries cannot be rewritten or dropped between two verifications without it showing.
    /// </summary>
    private static async Task<string> CheckAgainstRememberedAsync(LogServiceClient client, Session session, VerifiedHead head, CancellationToken cancellationToken)
    {
        var path = session.Paths.HeadOf(head.Statement.StreamId);
        var remembered = Profile.ReadJson<SignedHead>(path);
        if (remembered is null)
        {
            return "no earlier verification of this stream here: this head is remembered for the next one";
        }

        var check = new ReceiptVerifier(session.Keys).VerifyCertifiedHead(remembered);
        if (!check.IsValid)
        {
            return $"the head remembered from an earlier verification does not verify against the pinned key set ({check.Reason}); not compared";
        }

        var older = new VerifiedHead(remembered, check.Statement!);
        if (older.Statement.LastSequence > head.Statement.LastSequence)
        {
            throw new IntegrityException($"the certified head at #{head.Statement.LastSequence} is behind the one verified earlier at #{older.Statement.LastSequence}: entries were removed");
        }

        if (older.Statement.LastSequence == head.Statement.LastSequence)
        {
            return older.Statement.MerkleRoot.AsSpan().SequenceEqual(head.Statement.MerkleRoot)
                ? $"same tree as the head verified earlier at #{older.Statement.LastSequence}"
                : throw new IntegrityException($"the tree at #{head.Statement.LastSequence} differs from the one verified earlier: history was rewritten");
        }

        await client.VerifyConsistencyAsync(older, head, cancellationToken).ConfigureAwait(false);
        return $"consistent with the head verified earlier at #{older.Statement.LastSequence} (consistency proof checked)";
    }

    private static async Task<int> OfflineAsync(CliContext context, ParseResult parse, string file, byte[] secret, string? keysFile, bool trustBundleKeys, CancellationToken cancellationToken)
    {
        // The trusted key set is settled before the bundle is read: nothing in the bundle may choose it.
        using var pinned = trustBundleKeys ? null : context.PinnedKeys(keysFile);
        var bundle = await ExportBundle.LoadAsync(file, cancellationToken).ConfigureAwait(false);
        using var fromBundle = trustBundleKeys ? ReplicaKeySet.Parse(bundle.Replicas.GetRawText()) : null;
        var keys = pinned ?? fromBundle!;
        if (trustBundleKeys)
        {
            context.Console.Error.WriteLine("logsvc: warning: trusting the key set inside the bundle; anyone who could change the bundle could change it too");
        }

        var progress = new ProgressLine(context.Console, "verify");
        OfflineReport report;
        try
        {
            report = OfflineVerifier.Verify(bundle, keys, secret, new Progress(progress));
        }
        finally
        {
            progress.Complete();
        }

        var what = report.Mode == "full" ? "MACs, bodies, links and Merkle root" : "links and Merkle root; give A_0 or shares to check MACs and bodies";
        var outcome = report.IsValid
            ? $"OK: {report.EntriesChecked:N0} entries of {bundle.StreamId} verified ({what})"
            : $"INVALID: {(report.FailedSequence is { } bad ? $"first bad entry #{bad}" : "the bundle")}: {report.Failure}: {report.Detail} ({report.EntriesChecked:N0} entries verified before it)";
        ResultView.Print(context.Console, context.Mode(parse), new { bundle = file, bundle.StreamId, report.IsValid, report.Mode, report.EntriesChecked, report.FailedSequence, report.Failure, report.Detail }, outcome);
        return report.IsValid ? ExitCodes.Ok : ExitCodes.IntegrityFailure;
    }

    /// <summary>A_0 from a file or rebuilt from auditor shares; empty when neither is given (links only).</summary>
    private static byte[] Secret(string? secretFile, string[] shares, string? sharesFile)
    {
        var allShares = shares.Concat(sharesFile is null ? [] : File.ReadAllLines(sharesFile).Where(l => !string.IsNullOrWhiteSpace(l))).ToList();
        if (secretFile is not null && allShares.Count > 0)
        {
            throw CliException.Usage("give either --secret-file or shares, not both");
        }

        return secretFile is not null ? ArgumentParsers.SecretFile(secretFile, StreamGenesis.SecretSize)
            : allShares.Count > 0 ? EscrowShares.Combine(allShares)
            : [];
    }

    /// <summary>Forwards the verifier's progress synchronously (<see cref="Progress{T}"/> would post it to the thread pool).</summary>
    private sealed class Progress(ProgressLine line) : IProgress<OfflineProgress>
    {
        public void Report(OfflineProgress value) => line.Report(value.Phase, value.Done, value.Total);
    }
}
