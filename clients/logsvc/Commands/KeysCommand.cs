using System.CommandLine;
using LogService.Cli.Config;
using LogService.Cli.Input;
using LogService.Cli.Output;
using LogService.Client.Offline;
using LogService.Sealing;

namespace LogService.Cli.Commands;

/// <summary><c>logsvc keys split | combine</c>: Shamir shares of a stream's A_0, so auditors verify only together.</summary>
internal static class KeysCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("keys", "Split a stream's initial secret A_0 into auditor shares, or combine shares back.");
        command.Subcommands.Add(Split(context));
        command.Subcommands.Add(Combine(context));
        return command;
    }

    private static Command Split(CliContext context)
    {
        var threshold = new Option<int>("--threshold", "-k") { Description = "Shares needed to rebuild A_0.", Required = true };
        var count = new Option<int>("--shares", "-m") { Description = "Shares to make.", Required = true };
        var stream = new Option<string?>("--stream") { Description = "Have the key service split this stream's A_0 (auditors)." };
        var secretFile = new Option<string?>("--secret-file") { Description = "Split the A_0 in this file locally instead.", HelpName = "file" };
        var command = new Command("split", "Split A_0 k-of-m; prints one share per line.") { threshold, count, stream, secretFile };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (k, m) = (parse.GetValue(threshold), parse.GetValue(count));
            if (k < 2 || m < k || m > 255)
            {
                throw CliException.Usage("shares need 2 <= k <= m <= 255");
            }

            IReadOnlyList<string> shares;
            if (parse.GetValue(secretFile) is { } file)
            {
                shares = EscrowShares.Split(ArgumentParsers.SecretFile(file, StreamGenesis.SecretSize), k, m);
            }
            else
            {
                var streamId = parse.GetValue(stream) ?? throw CliException.Usage("give --stream (the service splits) or --secret-file (split locally)");
                using var session = context.Connect(parse);
                shares = await session.Client.SplitEscrowAsync(streamId, k, m, cancellationToken).ConfigureAwait(false);
            }

            ResultView.Print(context.Console, context.Mode(parse), new { k, m, shares }, [.. shares]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Combine(CliContext context)
    {
        var shares = new Argument<string[]>("share") { Description = "Shares (or use --shares-file).", Arity = ArgumentArity.ZeroOrMore };
        var sharesFile = new Option<string?>("--shares-file") { Description = "Shares, one per line.", HelpName = "file" };
        var secretFile = new Option<string>("--secret-file") { Description = "Where to write A_0 (base64, mode 0600).", Required = true, HelpName = "file" };
        var command = new Command("combine", "Rebuild A_0 from k shares; a damaged or foreign share is refused, never turned into a wrong secret.") { shares, sharesFile, secretFile };
        command.SetAction(parse =>
        {
            var all = (parse.GetValue(shares) ?? []).Concat(parse.GetValue(sharesFile) is { } f ? File.ReadAllLines(f).Where(l => !string.IsNullOrWhiteSpace(l)) : []).ToList();
            if (all.Count == 0)
            {
                throw CliException.Usage("no shares given");
            }

            var secret = EscrowShares.Combine(all);
            var path = parse.GetValue(secretFile)!;
            PrivateFile.WriteText(path, Convert.ToBase64String(secret) + "\n");
            ResultView.Print(context.Console, context.Mode(parse), new { shares = all.Count, secretFile = path }, $"A_0 rebuilt from {all.Count} shares and written to {path} (readable only by you)");
            return ExitCodes.Ok;
        });
        return command;
    }
}
