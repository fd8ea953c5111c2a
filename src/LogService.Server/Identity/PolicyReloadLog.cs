using LogService.Core.Policies;

namespace LogService.Server.Identity;

/// <summary>Reports every policy reload: the revision put in force, or the file, line and reason of a rejection.</summary>
internal sealed partial class PolicyReloadLog(IPolicySource policy, ILogger<PolicyReloadLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogInForce(policy.Current.Revision, string.Join(", ", policy.Current.Files));
        policy.Reloaded += OnReloaded;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        policy.Reloaded -= OnReloaded;
        return Task.CompletedTask;
    }

    private void OnReloaded(object? sender, PolicyReloadedEventArgs e)
    {
        if (e.Error is { } error)
        {
            LogRejected(error.File, error.Line, error.Reason, e.Current.Revision);
        }
        else
        {
            LogInForce(e.Current.Revision, string.Join(", ", e.Current.Files));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Policy revision {Revision} in force from {Files}")]
    private partial void LogInForce(string revision, string files);

    [LoggerMessage(Level = LogLevel.Error, Message = "Policy change rejected: {File}:{Line}: {Reason}; revision {Revision} stays in force")]
    private partial void LogRejected(string file, int line, string reason, string revision);
}
