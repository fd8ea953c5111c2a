using System.Security.Cryptography;
using LogService.Client;
using LogService.Client.Auth;
using LogService.Sealing.Escrow;

namespace LogService.Cli;

/// <summary>The process exit codes (docs/cli.md "Exit codes"); scripts depend on them, so they never change meaning.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>A check failed: a bad or missing entry, or a receipt, head, proof or key set that does not verify.</summary>
    public const int IntegrityFailure = 1;

    /// <summary>The command line or its input is wrong.</summary>
    public const int Usage = 2;

    /// <summary>Not logged in, the login expired, the issuer refused, or the service answered 401.</summary>
    public const int Authentication = 3;

    /// <summary>The service's policy denied the request (403).</summary>
    public const int Denied = 4;

    /// <summary>No such stream or entry (404).</summary>
    public const int NotFound = 5;

    /// <summary>The service refused the request otherwise (400, 409, 413, 415, 429, …).</summary>
    public const int Refused = 6;

    /// <summary>No replica answered, or every one failed (5xx, timeouts).</summary>
    public const int Unavailable = 7;

    /// <summary>A local file is missing, unreadable or not what it should be.</summary>
    public const int LocalFile = 8;

    /// <summary>Something logsvc did not expect (a defect): the message names the exception.</summary>
    public const int Unexpected = 9;

    /// <summary>Interrupted (Ctrl-C), as shells report SIGINT.</summary>
    public const int Interrupted = 130;

    /// <summary>The exit code and one-line message for a failure.</summary>
    public static (int Code, string Message) For(Exception failure) => failure switch
    {
        CliException e => (e.ExitCode, e.Message),
        IntegrityException e => (IntegrityFailure, "integrity check failed: " + e.Message),
        ShareIntegrityException e => (IntegrityFailure, "the shares do not rebuild the secret: " + e.Message),
        TokenAcquisitionException e => (Authentication, "login failed: " + e.Message),
        ProblemException e => (ForStatus(e.Status), Describe(e)),
        HttpRequestException e => (Unavailable, "no replica answered: " + e.Message),
        FileNotFoundException e => (LocalFile, $"no such file: {e.FileName ?? e.Message}"),
        DirectoryNotFoundException e => (LocalFile, e.Message),
        UnauthorizedAccessException e => (LocalFile, e.Message),
        FormatException e => (LocalFile, e.Message),
        CryptographicException e => (LocalFile, "a key in the key set is unusable: " + e.Message),
        IOException e => (LocalFile, e.Message),
        OperationCanceledException => (Interrupted, "interrupted"),
        ArgumentException e => (Usage, e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal)),
        _ => (Unexpected, $"unexpected {failure.GetType().Name}: {failure.Message}"),
    };

    /// <summary>The exit code of a service answer with HTTP status <paramref name="status"/> (0 when no replica answered).</summary>
    public static int ForStatus(int status) => status switch
    {
        401 => Authentication,
        403 => Denied,
        404 => NotFound,
        0 or >= 500 => Unavailable,
        _ => Refused,
    };

    private static string Describe(ProblemException problem)
    {
        var text = problem.Status == 0 ? problem.Message : $"{problem.Title.TrimEnd('.')} ({problem.Status})";
        if (!string.IsNullOrWhiteSpace(problem.Detail))
        {
            text += ": " + problem.Detail;
        }

        if (problem.Extensions.TryGetValue("rule", out var rule) && problem.Extensions.TryGetValue("file", out var file))
        {
            text += $" [rule {rule} in {file}]";
        }

        return text.ReplaceLineEndings(" ");
    }
}

/// <summary>A failure the command itself detected, with the exit code to leave with.</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public static CliException Usage(string message) => new(ExitCodes.Usage, message);
}
