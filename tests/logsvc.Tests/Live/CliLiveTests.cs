using System.Text.Json;
using System.Text.Json.Nodes;
using LogService.Cli.Tests.Support;

namespace LogService.Cli.Tests.Live;

/// <summary>The built logsvc binary against a running 4-replica service: write, query, get, verify, export, offline verify, tampering.</summary>
public sealed class CliLiveTests(LiveService live) : IClassFixture<LiveService>
{
    private const string Stream = "acme/app";

    [Fact]
    public async Task AWrittenEntryIsFoundByQueryAndComesBackWithAVerifiedInclusionProof()
    {
        using var cli = await live.LoginAsync("acme-admin");
        var marker = Marker();

        var write = await cli.RunAsync("write", Stream, $"order {marker} shipped", "-l", "Warning", "-p", "Order=42", "-p", "Sku=A-1", "--json");
        var sequence = Json(write)["firstSequence"]!.GetValue<long>();
        var found = await cli.RunAsync("query", "-s", Stream, "--text", marker, "--json");
        var byProperty = await cli.RunAsync("query", "-s", Stream, "--text", marker, "--prop", "Order=42", "--output", "plain");
        var excluded = await cli.RunAsync("query", "-s", Stream, "--text", marker, "--not-prop", "Order=42", "--output", "plain");
        var get = await cli.RunAsync("get", Stream, sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), "--output", "plain");

        Assert.True(Json(write)["signers"]!.AsArray().Count >= 2, write.ToString());
        var entry = JsonNode.Parse(found.Out.Trim())!;
        Assert.Equal((sequence, "Warning", 42), (entry["sequence"]!.GetValue<long>(), entry["level"]!.GetValue<string>(), entry["body"]!["properties"]!["Order"]!.GetValue<int>()));
        Assert.Contains($"acme/app#{sequence} order {marker} shipped", byProperty.Out, StringComparison.Ordinal);
        Assert.Equal("", excluded.Out);
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Contains($"inclusion proof: verified, leaf {sequence} of", get.Out, StringComparison.Ordinal);
        Assert.Contains("source sequence: -", get.Out, StringComparison.Ordinal); // logsvc write sends no per-source sequence
    }

    [Fact]
    public async Task GetOnAStreamThatWasNeverCertifiedHasAHeadCertifiedAndVerifiesTheProof()
    {
        using var cli = await live.LoginAsync("acme-admin");
        var stream = "acme/get-" + Marker()[..8];
        Assert.Equal(0, (await cli.RunAsync("streams", "create", stream["acme/".Length..])).ExitCode);
        var write = await cli.RunAsync("write", stream, "the first read of a new stream", "--json");
        var sequence = Json(write)["firstSequence"]!.GetValue<long>().ToString(System.Globalization.CultureInfo.InvariantCulture);

        var get = await cli.RunAsync("get", stream, sequence, "--output", "plain");

        // No certified head existed (the service certifies at checkpoints and on demand): get asked for one.
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Contains($"inclusion proof: verified, leaf {sequence} of", get.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnlineVerificationChecksTheRangeAndProvesTheNextHeadConsistentWithTheLast()
    {
        using var cli = await live.LoginAsync("acme-admin");
        await cli.RunAsync("write", Stream, "before " + Marker());

        var first = await cli.RunAsync("verify", Stream, "--output", "plain");
        await cli.RunAsync("write", Stream, "after " + Marker());
        var second = await cli.RunAsync("verify", Stream, "--output", "plain");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("no earlier verification", first.Out, StringComparison.Ordinal);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("consistency proof checked", second.Out, StringComparison.Ordinal);
        Assert.EndsWith("OK\n", second.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARememberedHeadThatTheServiceCannotExtendIsAnIntegrityFailure()
    {
        using var cli = await live.LoginAsync("acme-admin");
        await cli.RunAsync("write", Stream, "remembered " + Marker());
        Assert.Equal(0, (await cli.RunAsync("verify", Stream)).ExitCode);

        // Claim an earlier verification saw a longer tree than the service now certifies: a rollback.
        var path = Path.Combine(cli.ConfigDirectory, "heads", "acme~app.json");
        var head = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        var statement = head["statement"]!;
        statement["lastSequence"] = statement["lastSequence"]!.GetValue<long>() + 1000;
        await File.WriteAllTextAsync(path, head.ToJsonString());
        var forged = await cli.RunAsync("verify", Stream);

        // The altered claim no longer matches the signed bytes, so it is not believed either way.
        Assert.Equal(0, forged.ExitCode);
        Assert.Contains("does not verify against the pinned key set", forged.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExportVerifiesOfflineWithLinksWithSharesAndWithA0AndATamperedEntryIsNamed()
    {
        using var writer = await live.LoginAsync("acme-admin");
        using var auditor = await live.LoginAsync("acme-auditor");
        Assert.Equal(0, (await writer.PipeAsync(string.Concat(Enumerable.Range(0, 5).Select(i => $"exported {i}\n")), "pipe", Stream, "-p", "Secret=yes")).ExitCode);
        var bundle = Path.Combine(writer.ConfigDirectory, "bundle.json");

        var export = await writer.RunAsync("export", Stream, bundle);
        var links = await writer.RunAsync("verify", "--bundle", bundle, "--output", "plain");
        var shares = (await auditor.RunAsync("keys", "split", "--stream", Stream, "-k", "2", "-m", "3")).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var withShares = await auditor.RunAsync("verify", "--bundle", bundle, "--share", shares[0], "--share", shares[2], "--output", "plain");
        var a0 = Path.Combine(auditor.ConfigDirectory, "a0");
        var combine = await auditor.RunAsync("keys", "combine", shares[1], shares[2], "--secret-file", a0);

        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.True(links.ExitCode == 0, links.ToString());
        Assert.Contains("links and Merkle root", links.Out, StringComparison.Ordinal);
        Assert.Contains("verify merkle: ", links.Error, StringComparison.Ordinal);
        Assert.Equal(3, shares.Length);
        Assert.True(withShares.ExitCode == 0, withShares.ToString());
        Assert.Contains("MACs, bodies, links and Merkle root", withShares.Out, StringComparison.Ordinal);
        Assert.Equal(0, combine.ExitCode);

        // One flipped bit inside one sealed entry, near its end (the MAC-protected body), in a copy of the file.
        var document = JsonNode.Parse(await File.ReadAllTextAsync(bundle))!;
        var entries = document["entries"]!.AsArray();
        var victim = entries.Count - 3;
        var sealedBytes = Convert.FromBase64String(entries[victim]!["sealed"]!.GetValue<string>());
        sealedBytes[^40] ^= 0x01;
        entries[victim]!["sealed"] = Convert.ToBase64String(sealedBytes);
        var tampered = Path.Combine(auditor.ConfigDirectory, "tampered.json");
        await File.WriteAllTextAsync(tampered, document.ToJsonString());
        var sequence = entries[victim]!["sequence"]!.GetValue<long>();

        var full = await auditor.RunAsync("verify", "--bundle", tampered, "--secret-file", a0, "--output", "plain");
        var linksOnly = await auditor.RunAsync("verify", "--bundle", tampered, "--output", "plain");

        Assert.Equal(ExitCodes.IntegrityFailure, full.ExitCode);
        Assert.Contains($"INVALID: first bad entry #{sequence}", full.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.IntegrityFailure, linksOnly.ExitCode);
    }

    [Fact]
    public async Task ABundleCheckedAgainstAnotherKeySetFails()
    {
        using var cli = await live.LoginAsync("acme-admin");
        var bundle = Path.Combine(cli.ConfigDirectory, "bundle.json");
        Assert.Equal(0, (await cli.RunAsync("export", Stream, bundle)).ExitCode);
        var keys = Path.Combine(cli.ConfigDirectory, "other-keys.json");
        await File.WriteAllTextAsync(keys, SwapSigningKeys(await File.ReadAllTextAsync(Path.Combine(cli.ConfigDirectory, "replicas.json"))));

        var result = await cli.RunAsync("verify", "--bundle", bundle, "--keys", keys, "--output", "plain");

        Assert.Equal(ExitCodes.IntegrityFailure, result.ExitCode);
        Assert.Contains("CertifiedHead", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PipeWritesEveryLineInBatchesAndEveryReceiptIsChecked()
    {
        using var cli = await live.LoginAsync("acme-admin");
        var marker = Marker();
        var lines = string.Join('\n', Enumerable.Range(1, 25).Select(i => $"line {i} {marker}")) + "\n\n";

        var pipe = await cli.PipeAsync(lines, "pipe", Stream, "--batch-size", "10", "-p", "Job=import");
        var count = await cli.RunAsync("query", "-s", Stream, "--text", marker, "--prop", "Job=import", "--count");
        var oldest = await cli.RunAsync("query", "-s", Stream, "--text", marker, "--order", "oldest", "-n", "1", "--output", "plain");

        Assert.True(pipe.ExitCode == 0, pipe.ToString());
        Assert.Contains("25 entries from 25 lines written to acme/app in 3 batches", pipe.Out, StringComparison.Ordinal);
        Assert.True(count.ExitCode == 0, count.ToString());
        Assert.Equal("25", count.Out.Trim());
        Assert.Contains($"line 1 {marker}", oldest.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PipeTakesClefEventsWithTheirOwnLevelsAndProperties()
    {
        using var cli = await live.LoginAsync("acme-admin");
        var marker = Marker();
        var clef = string.Join('\n', Enumerable.Range(0, 3).Select(i =>
            $$"""{"@t":"{{DateTimeOffset.UtcNow:O}}","@l":"Error","@mt":"clef {N} {{marker}}","N":{{i}}}"""));

        var pipe = await cli.PipeAsync(clef, "pipe", Stream, "--format", "clef");
        var errors = await cli.RunAsync("query", "-s", Stream, "--text", marker, "--level", "Error", "--prop", "N=2", "--json");

        Assert.True(pipe.ExitCode == 0, pipe.ToString());
        Assert.Equal("Error", JsonNode.Parse(errors.Out.Trim())!["level"]!.GetValue<string>());
    }

    [Fact]
    public async Task APipeThatFailsMidwaySaysWhichLinesWereWritten()
    {
        using var cli = await live.LoginAsync("acme-admin");
        var marker = Marker();
        var clef = $$"""{"@t":"{{DateTimeOffset.UtcNow:O}}","@mt":"good {{marker}}"}""" + "\n" + $$"""{"@t":"{{DateTimeOffset.UtcNow:O}}","@l":"Loud","@mt":"bad"}""";

        var pipe = await cli.PipeAsync(clef, "pipe", Stream, "--format", "clef", "--batch-size", "1");

        Assert.Equal(ExitCodes.Refused, pipe.ExitCode);
        Assert.Contains("input up to line 1 was written", pipe.Error, StringComparison.Ordinal);
        Assert.Contains("lines 2-2 and later were not", pipe.Error, StringComparison.Ordinal);
        Assert.Contains("Loud", pipe.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TailFollowShowsEntriesWrittenWhileItRuns()
    {
        using var cli = await live.LoginAsync("acme-admin");
        var marker = Marker();
        using var tail = cli.Start("tail", Stream, "-f", "-n", "5", "--text", marker, "--interval", "200ms", "--output", "plain");
        try
        {
            await cli.RunAsync("write", Stream, $"first {marker}");
            await ReadUntilAsync(tail.StandardOutput, $"first {marker}");
            await cli.RunAsync("write", Stream, $"second {marker}");
            await ReadUntilAsync(tail.StandardOutput, $"second {marker}");
        }
        finally
        {
            tail.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task RefusalsEndWithOneLineAndTheirOwnExitCodes()
    {
        using var admin = await live.LoginAsync("acme-admin");
        using var reader = await live.LoginAsync("acme-reader");

        var missing = await admin.RunAsync("write", "acme/no-such-stream", "x");
        var denied = await reader.RunAsync("write", Stream, "x");
        var invalid = await admin.RunAsync("write", Stream, "x", "--level", "Loud");
        var noEntry = await admin.RunAsync("get", Stream, "999999999");

        Assert.Equal((ExitCodes.NotFound, ExitCodes.Denied, ExitCodes.Refused, ExitCodes.NotFound), (missing.ExitCode, denied.ExitCode, invalid.ExitCode, noEntry.ExitCode));
        Assert.All(new[] { missing, denied, invalid, noEntry }, r => Assert.Single(r.Error.TrimEnd('\n').Split('\n')));
        Assert.Contains("Loud", invalid.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoginFailuresAreAuthenticationOrAvailabilityErrors()
    {
        using var cli = new CliProcess();
        string[] wrongSecret = [.. live.LoginArguments("acme-admin")];
        string[] noServer = ["login", "--server", "http://127.0.0.1:9/", .. live.LoginArguments("acme-admin").Skip(1 + (2 * live.Cluster.Count))];

        var refused = await cli.PipeAsync("not-the-secret\n", wrongSecret);
        var unreachable = await cli.PipeAsync("acme-admin-secret\n", noServer);

        Assert.Equal(ExitCodes.Authentication, refused.ExitCode);
        Assert.Equal(ExitCodes.Unavailable, unreachable.ExitCode);
        Assert.Empty(Directory.GetFiles(cli.ConfigDirectory));
    }

    [Fact]
    public async Task TheTokenIsCachedPrivatelyAndAnExpiredOneIsRenewedOnlyWithTheSecret()
    {
        using var cli = await live.LoginAsync("acme-admin");
        var tokenFile = Path.Combine(cli.ConfigDirectory, "token.json");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
        }

        Assert.DoesNotContain("acme-admin-secret", string.Concat(Directory.GetFiles(cli.ConfigDirectory).Select(File.ReadAllText)), StringComparison.Ordinal);

        var token = JsonNode.Parse(await File.ReadAllTextAsync(tokenFile))!;
        token["expiresAt"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O");
        await File.WriteAllTextAsync(tokenFile, token.ToJsonString());
        var expired = await cli.RunAsync("streams", "list");
        cli.Environment["LOGSVC_CLIENT_SECRET"] = "acme-admin-secret";
        var renewed = await cli.RunAsync("streams", "list", "--output", "plain");

        Assert.Equal(ExitCodes.Authentication, expired.ExitCode);
        Assert.Contains("expired", expired.Error, StringComparison.Ordinal);
        Assert.True(renewed.ExitCode == 0, renewed.ToString());
        Assert.Contains("acme/app", renewed.Out, StringComparison.Ordinal);
        Assert.True(JsonNode.Parse(await File.ReadAllTextAsync(tokenFile))!["expiresAt"]!.GetValue<DateTimeOffset>() > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task StreamsAreCreatedShownListedAndClosed()
    {
        using var cli = await live.LoginAsync("acme-admin");
        var name = "cli-" + Marker()[..8];

        var created = await cli.RunAsync("streams", "create", name, "--max-age-days", "30", "--json");
        var shown = await cli.RunAsync("streams", "show", "acme/" + name, "--json");
        var listed = await cli.RunAsync("streams", "list", "--output", "plain");
        var closed = await cli.RunAsync("streams", "close", "acme/" + name, "--json");
        var writeAfterClose = await cli.RunAsync("write", "acme/" + name, "too late");

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal(30, JsonNode.Parse(shown.Out)!["retention"]!["maxAgeDays"]!.GetValue<int>());
        Assert.Contains("acme/" + name, listed.Out, StringComparison.Ordinal);
        Assert.True(JsonNode.Parse(closed.Out)!["closed"]!.GetValue<bool>(), closed.ToString());
        Assert.Equal(ExitCodes.Refused, writeAfterClose.ExitCode);
    }

    [Fact]
    public async Task AttestCheckPassesForThePinnedSetAndFailsForASwappedKey()
    {
        using var cli = await live.LoginAsync("acme-admin");
        var swapped = Path.Combine(cli.ConfigDirectory, "swapped.json");
        await File.WriteAllTextAsync(swapped, SwapSigningKeys(await File.ReadAllTextAsync(Path.Combine(cli.ConfigDirectory, "replicas.json"))));

        var good = await cli.RunAsync("attest", "check", "--output", "plain");
        var bad = await cli.RunAsync("attest", "check", "--keys", swapped, "--output", "plain");

        Assert.True(good.ExitCode == 0, good.ToString());
        Assert.Equal(live.Cluster.Count, good.Out.Split('\n').Count(l => l.Contains("publishes the pinned key set", StringComparison.Ordinal)));
        Assert.Equal(ExitCodes.IntegrityFailure, bad.ExitCode);
        Assert.Contains("replica 0 has another signing key", bad.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALoginThatMeetsAChangedKeySetIsRefusedUnlessRepinned()
    {
        using var cli = await live.LoginAsync("acme-admin");
        var pinned = Path.Combine(cli.ConfigDirectory, "replicas.json");
        await File.WriteAllTextAsync(pinned, SwapSigningKeys(await File.ReadAllTextAsync(pinned)));

        var refused = await cli.PipeAsync("acme-admin-secret\n", live.LoginArguments("acme-admin"));
        var repinned = await cli.PipeAsync("acme-admin-secret\n", [.. live.LoginArguments("acme-admin"), "--repin"]);

        Assert.Equal(ExitCodes.IntegrityFailure, refused.ExitCode);
        Assert.Contains("publishes a key set other than the pinned one", refused.Error, StringComparison.Ordinal);
        Assert.True(repinned.ExitCode == 0, repinned.ToString());
    }

    private static string Marker() => Guid.NewGuid().ToString("N");

    private static JsonNode Json(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonNode.Parse(result.Out)!;
    }

    /// <summary>The key set with replicas 0 and 1's signing keys exchanged: same keys, wrong owners.</summary>
    private static string SwapSigningKeys(string keySet)
    {
        var document = JsonNode.Parse(keySet)!;
        var replicas = document["replicas"]!.AsArray();
        var first = replicas.First(r => r!["id"]!.GetValue<int>() == 0)!;
        var second = replicas.First(r => r!["id"]!.GetValue<int>() == 1)!;
        (first["signingKey"], second["signingKey"]) = (second["signingKey"]!.DeepClone(), first["signingKey"]!.DeepClone());
        return document.ToJsonString();
    }

    private static async Task ReadUntilAsync(StreamReader output, string text)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var seen = new System.Text.StringBuilder();
        while (await output.ReadLineAsync(deadline.Token) is { } line)
        {
            seen.AppendLine(line);
            if (line.Contains(text, StringComparison.Ordinal))
            {
                return;
            }
        }

        Assert.Fail($"tail ended without showing '{text}':\n{seen}");
    }
}
