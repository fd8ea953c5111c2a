using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using LogService.Server.Tests.Support;
using LogService.Testing;

namespace LogService.Server.Tests.Hosting;

/// <summary>
/// The embedded default as a user meets it: <c>LogService.Server local</c> as a real process (what
/// <c>./build.sh run</c> starts) with the repository's policy files. The shell commands it prints are run as printed;
/// SIGINT stops it and every replica process; the next start serves what was written before.
/// </summary>
[Collection("own deployment")]
public sealed class LocalDeploymentTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logservice-local-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A replica still closing its store; the system cleans temporary folders.
        }
    }

    [Fact]
    public async Task ThePrintedCommandsWriteAndReadAndCtrlCStopsEveryProcessAndTheNextStartResumes()
    {
        var (issuerPort, apiPort, replicationPort) = (LoopbackPorts.Block(1), LoopbackPorts.Block(4), LoopbackPorts.Block(4));
        var policies = CopyPolicies(issuerPort);

        JsonElement receipt;
        await using (var first = await LocalProcess.StartAsync(_directory, policies, issuerPort, apiPort, replicationPort))
        {
            Assert.Contains($"http://127.0.0.1:{apiPort}", first.Output, StringComparison.Ordinal);
            receipt = JsonDocument.Parse(await BashAsync(first.Commands[0], first.Commands[1])).RootElement;
            Assert.Equal("committed", receipt.GetProperty("outcome").GetString());

            var read = JsonDocument.Parse(await BashAsync(first.Commands[2], first.Commands[3])).RootElement;
            var entry = Assert.Single(read.GetProperty("entries").EnumerateArray(), e => e.GetProperty("sequence").GetInt64() == receipt.GetProperty("firstSequence").GetInt64());
            Assert.Equal("world", entry.GetProperty("body").GetProperty("properties").GetProperty("Name").GetString());
            Assert.Equal("verified", entry.GetProperty("integrity").GetProperty("state").GetString());

            var replicas = first.ChildProcessIds();
            Assert.Equal(4, replicas.Count);
            Assert.Equal(0, await first.InterruptAsync());
            Assert.Contains("stopped; the data stays in", first.Output, StringComparison.Ordinal);
            await AssertAllExitedAsync(replicas);
        }

        await using var second = await LocalProcess.StartAsync(_directory, policies, issuerPort, apiPort, replicationPort);
        var again = JsonDocument.Parse(await BashAsync(second.Commands[2], second.Commands[3])).RootElement;
        Assert.Contains(again.GetProperty("entries").EnumerateArray(), e =>
            e.GetProperty("sequence").GetInt64() == receipt.GetProperty("firstSequence").GetInt64()
            && e.GetProperty("integrity").GetProperty("state").GetString() == "verified");

        // The chain goes on where it stopped, and the whole stream verifies with the reviewer's released keys.
        var next = JsonDocument.Parse(await BashAsync(second.Commands[0], second.Commands[1])).RootElement;
        Assert.Equal(receipt.GetProperty("lastSequence").GetInt64() + 1, next.GetProperty("firstSequence").GetInt64());
        var verification = await VerifyDemoStreamAsync(issuerPort, apiPort);
        Assert.Equal(JsonValueKind.Null, verification.GetProperty("firstFailure").ValueKind);
        Assert.Equal(verification.GetProperty("checked").GetInt64(), verification.GetProperty("verified").GetInt64());
        Assert.True(verification.GetProperty("checked").GetInt64() >= 3);

        var restarted = second.ChildProcessIds();
        Assert.Equal(0, await second.InterruptAsync());
        await AssertAllExitedAsync(restarted);
    }

    /// <summary>The repository's policy files, with the local tenant's issuer moved to this test's port.</summary>
    private string CopyPolicies(int issuerPort)
    {
        var folder = Path.Combine(_directory, "policies");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "policies"), "*.policy.yaml"))
        {
            var text = File.ReadAllText(file).Replace("http://127.0.0.1:5080", $"http://127.0.0.1:{issuerPort}", StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(folder, Path.GetFileName(file)), text);
        }

        return folder;
    }

    private static async Task<JsonElement> VerifyDemoStreamAsync(int issuerPort, int apiPort)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{issuerPort}/token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        tokenRequest.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("local-reviewer:local-reviewer-dev-secret"u8.ToArray()));
        using var tokenResponse = await http.SendAsync(tokenRequest);
        var token = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString();

        using var verify = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{apiPort + 2}/api/v1/streams/local/demo/verify");
        verify.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(verify);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static async Task AssertAllExitedAsync(IReadOnlyList<int> processIds)
    {
        // Reparented children are reaped by init at once; give the kernel a moment to drop them from /proc.
        for (var attempt = 0; attempt < 50 && processIds.Any(IsAlive); attempt++)
        {
            await Task.Delay(100);
        }

        Assert.Empty(processIds.Where(IsAlive));

        static bool IsAlive(int pid) => File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
    }

    /// <summary>Runs shell lines as printed; fails with their output if they fail.</summary>
    private static async Task<string> BashAsync(params string[] lines)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-euo");
        start.ArgumentList.Add("pipefail");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(string.Join('\n', lines));
        using var bash = Process.Start(start)!;
        var output = bash.StandardOutput.ReadToEndAsync();
        var error = bash.StandardError.ReadToEndAsync();
        await bash.WaitForExitAsync();
        Assert.True(bash.ExitCode == 0, $"the printed commands failed ({bash.ExitCode}): {await error}");
        return await output;
    }

    /// <summary>One run of <c>LogService.Server local</c>, read until it prints its instructions.</summary>
    private sealed class LocalProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _output = new();

        private LocalProcess(Process process) => _process = process;

        /// <summary>The four printed shell lines: writer token, write, reviewer token, read.</summary>
        public IReadOnlyList<string> Commands { get; private set; } = [];

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static async Task<LocalProcess> StartAsync(string directory, string policies, int issuerPort, int apiPort, int replicationPort)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (var argument in new[]
            {
                LocalCluster.ServerAssembly, "local", "--data", Path.Combine(directory, ".data"), "--policies", policies,
                "--issuer-port", issuerPort.ToString(CultureInfo.InvariantCulture),
                "--api-port", apiPort.ToString(CultureInfo.InvariantCulture),
                "--replication-port", replicationPort.ToString(CultureInfo.InvariantCulture),
            })
            {
                start.ArgumentList.Add(argument);
            }

            var local = new LocalProcess(Process.Start(start)!);
            var announced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var commands = new List<string>();
            local._process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not { } line)
                {
                    announced.TrySetException(new InvalidOperationException("the process ended before it printed its instructions:\n" + local.Output));
                    return;
                }

                local.Append(line);
                var trimmed = line.Trim();
                if (commands.Count > 0 && commands.Count < 4 && trimmed.Length > 0)
                {
                    commands.Add(trimmed);
                }
                else if (trimmed.StartsWith("TOKEN=$(curl", StringComparison.Ordinal))
                {
                    commands.Add(trimmed);
                }

                if (commands.Count == 4)
                {
                    local.Commands = [.. commands];
                    announced.TrySetResult();
                }
            };
            local._process.ErrorDataReceived += (_, e) => local.Append(e.Data);
            local._process.BeginOutputReadLine();
            local._process.BeginErrorReadLine();
            try
            {
                await announced.Task.WaitAsync(TimeSpan.FromMinutes(3));
            }
            catch
            {
                await local.DisposeAsync();
                throw;
            }

            return local;
        }

        /// <summary>The replica processes this process started (its direct children).</summary>
        public IReadOnlyList<int> ChildProcessIds() =>
        [
            .. Directory.GetDirectories("/proc")
                .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
                .Where(pid => pid > 0 && ParentOf(pid) == _process.Id),
        ];

        /// <summary>Sends SIGINT, as Ctrl-C does, and returns the exit code.</summary>
        public async Task<int> InterruptAsync()
        {
            using (var kill = Process.Start("kill", ["-INT", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        private static int ParentOf(int pid)
        {
            try
            {
                // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                return 0;
            }
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }
}
