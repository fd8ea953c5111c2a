using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LogService.Cli.Output;
using LogService.Client.Trust;

namespace LogService.Cli.Commands;

/// <summary>
/// <c>logsvc get</c>: one entry with its inclusion proof, checked here against a certified head with 2f+1 valid pinned
/// signatures, so the answer is trusted without trusting the replica that gave it.
/// </summary>
internal static class GetCommand
{
    public static Command Create(CliContext context)
    {
        var stream = StreamsCommand.StreamArgument();
        var sequence = new Argument<long>("sequence") { Description = "The entry's sequence number." };
        var command = new Command("get", "Show one entry and check its inclusion proof against a certified head.") { stream, sequence };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var session = context.Connect(parse);
            var entry = await session.Client.GetEntryAsync(parse.GetValue(stream)!, parse.GetValue(sequence), cancellationToken).ConfigureAwait(false);
            // The client checked the head already; this names the replicas whose signatures held.
            var head = new ReceiptVerifier(session.Keys).VerifyCertifiedHead(entry.CertifiedHead!);
            var statement = head.Statement!;
            var proofLine = $"inclusion proof: verified, leaf {entry.Proof!.LeafIndex} of {entry.Proof.TreeSize} ({entry.Proof.Path.Count} hashes) against the certified head at #{statement.LastSequence} signed by replicas {string.Join(", ", head.ValidSigners)}";
            var mode = context.Mode(parse);
            if (mode == OutputMode.Json)
            {
                var json = JsonSerializer.SerializeToNode(entry, Client.LogServiceClient.Json)!.AsObject();
                json["proofCheck"] = JsonSerializer.SerializeToNode(new { verified = true, certifiedHeadLastSequence = statement.LastSequence, signers = head.ValidSigners, merkleRoot = statement.MerkleRoot }, Client.LogServiceClient.Json);
                context.Console.Out.WriteLine(json.ToJsonString());
                return ExitCodes.Ok;
            }

            var body = entry.Body;
            var lines = new List<string>
            {
                EntryView.PlainLine(entry),
                $"kind: {entry.Kind}, level: {entry.Level}, event type: {entry.EventType}, permission mask: {entry.PermissionMask}",
                $"source: cloud {entry.SourceCloud ?? "-"}, node {entry.SourceNode ?? "-"}, user {entry.SourceUser ?? "-"}",
            };
            if (body is not null)
            {
                lines.Add($"template: {body.MessageTemplate ?? "-"}");
                lines.Add($"source sequence: {(body.SourceSequence is { } sourceSequence ? sourceSequence.ToString(CultureInfo.InvariantCulture) : "-")}");
                lines.Add($"properties: {(body.Properties is { } p ? p.GetRawText() : "-")}");
                if (body.Exception is { } exception)
                {
                    lines.Add("exception: " + exception);
                }
            }

            lines.Add($"integrity (serving replica): {entry.Integrity?.State ?? "-"}{(entry.Integrity?.Detail is { } d ? ": " + d : "")}");
            lines.Add(proofLine);
            lines.Add($"Merkle root: {Convert.ToHexStringLower(statement.MerkleRoot)}");
            ResultView.Print(context.Console, mode, entry, [.. lines]);
            return ExitCodes.Ok;
        });
        return command;
    }
}
