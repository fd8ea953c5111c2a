using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using LogService.Cli.Config;
using LogService.Cli.Output;
using LogService.Client;
using LogService.Client.Trust;
using Spectre.Console;

namespace LogService.Cli.Commands;

/// <summary>
/// <c>logsvc attest show | check</c>: asks every replica for the key set it publishes and compares it with the pinned
/// one; lists the attestation evidence replicas publish beside their keys (none in this API version).
/// </summary>
internal static class AttestCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("attest", "Show or check what each replica publishes about its keys and attestation.");
        command.Subcommands.Add(Build(context, "show", "Show every replica's published key set against the pinned one.", check: false));
        command.Subcommands.Add(Build(context, "check", "Like show, but exit 1 unless every replica publishes exactly the pinned key set.", check: true));
        return command;
    }

    private static Command Build(CliContext context, string name, string description, bool check)
    {
        var keys = new Option<string?>("--keys") { Description = "The key set to compare with (default: the one pinned at login).", HelpName = "file" };
        var command = new Command(name, description) { keys };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var pinned = context.PinnedKeys(parse.GetValue(keys));
            var urls = parse.GetValue(context.Globals.Servers) is { Length: > 0 } given ? CliContext.Urls(given) : [.. pinned.Replicas.Select(r => new Uri(r.Url))];
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var findings = new List<Finding>();
            foreach (var url in urls)
            {
                findings.Add(await InspectAsync(http, url, pinned, cancellationToken).ConfigureAwait(false));
            }

            Print(context, context.Mode(parse), pinned, findings);
            if (findings.All(f => f.Error is not null))
            {
                return ExitCodes.Unavailable;
            }

            return check && findings.Any(f => f.Error is not null || f.Differences.Count > 0) ? ExitCodes.IntegrityFailure : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>What one replica publishes.</summary>
    private sealed record Finding(string Url, int? Replica, string? SigningKey, bool? KeyService, IReadOnlyList<string> Differences, string Evidence, string? Error);

    private static async Task<Finding> InspectAsync(HttpClient http, Uri url, ReplicaKeySet pinned, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            using var response = await http.GetAsync(new Uri(url, "api/v1/replicas"), cancellationToken).ConfigureAwait(false);
            await ProblemException.ThrowIfFailedAsync(response, cancellationToken).ConfigureAwait(false);
            text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or ProblemException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new Finding(url.ToString(), null, null, null, [], "-", "unreachable: " + e.Message.ReplaceLineEndings(" "));
        }

        try
        {
            using var published = ReplicaKeySet.Parse(text);
            var self = pinned.Replicas.FirstOrDefault(r => SameOrigin(r.Url, url));
            var own = self is null ? null : published.Replicas.FirstOrDefault(r => r.Id == self.Id);
            return new Finding(url.ToString(), self?.Id, own is null ? null : Fingerprint(own.SigningKey), own?.KeyService, KeySets.Differences(pinned, published), Evidence(text, self?.Id), null);
        }
        catch (Exception e) when (e is FormatException or CryptographicException or ArgumentException)
        {
            return new Finding(url.ToString(), null, null, null, ["publishes no valid key set: " + e.Message], "-", null);
        }
    }

    /// <summary>The attestation evidence a replica's entry carries, if the deployment publishes any.</summary>
    private static string Evidence(string document, int? replica)
    {
        using var json = JsonDocument.Parse(document);
        foreach (var entry in json.RootElement.GetProperty("replicas").EnumerateArray())
        {
            if (replica is { } id && entry.TryGetProperty("id", out var i) && i.GetInt32() == id)
            {
                return entry.TryGetProperty("attestation", out var evidence) && evidence.ValueKind != JsonValueKind.Null
                    ? $"published ({evidence.ValueKind.ToString().ToLowerInvariant()}); this logsvc cannot check it yet"
                    : "none published";
            }
        }

        return "none published";
    }

    private static bool SameOrigin(string pinnedUrl, Uri url) =>
        Uri.TryCreate(pinnedUrl, UriKind.Absolute, out var pinned) && Uri.Compare(pinned, url, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    private static string Fingerprint(byte[] spki) => Convert.ToHexStringLower(SHA256.HashData(spki).AsSpan(0, 8));

    private static void Print(CliContext context, OutputMode mode, ReplicaKeySet pinned, List<Finding> findings)
    {
        var header = $"pinned key set: n={pinned.N} f={pinned.F}, fingerprint {KeySets.Fingerprint(pinned)}";
        if (mode == OutputMode.Json)
        {
            ResultView.Print(context.Console, mode, new { n = pinned.N, f = pinned.F, fingerprint = KeySets.Fingerprint(pinned), replicas = findings });
            return;
        }

        string Verdict(Finding f) => f.Error ?? (f.Differences.Count == 0 ? "publishes the pinned key set" : "DIFFERS: " + string.Join("; ", f.Differences));
        if (mode == OutputMode.Plain)
        {
            context.Console.Out.WriteLine(header);
            foreach (var f in findings)
            {
                context.Console.Out.WriteLine($"{f.Url}\treplica {f.Replica?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}\tkey {f.SigningKey ?? "-"}\t{(f.KeyService == true ? "key service\t" : "")}{Verdict(f)}\tattestation: {f.Evidence}");
            }

            return;
        }

        context.Console.Ansi.WriteLine(header);
        var table = new Table().AddColumns("Replica", "URL", "Signing key", "Key service", "Key set", "Attestation evidence");
        foreach (var f in findings)
        {
            var verdict = Markup.Escape(Verdict(f));
            table.AddRow(
                f.Replica?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?", Markup.Escape(f.Url), f.SigningKey ?? "-", f.KeyService == true ? "yes" : "",
                f.Error is null && f.Differences.Count == 0 ? $"[green]{verdict}[/]" : $"[red]{verdict}[/]", Markup.Escape(f.Evidence));
        }

        context.Console.Ansi.Write(table);
    }
}
