namespace LogService.Core.Policies;

/// <summary>
/// Loads the policy directory at start (failing loudly when it is invalid) and reloads it, debounced, whenever a
/// policy file changes. A rejected reload leaves the last good policy in force and is reported.
/// </summary>
internal sealed class PolicyDirectoryWatcher : IPolicySource
{
    private readonly string directory;
    private readonly TimeSpan debounce;
    private readonly FileSystemWatcher watcher;
    private readonly Timer timer;
    private readonly Lock reloadLock = new();
    private volatile PolicySet current;
    private volatile PolicyValidationException? lastError;

    public PolicyDirectoryWatcher(PolicyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        directory = Path.GetFullPath(options.Directory);
        debounce = options.ReloadDebounce;
        current = PolicyLoader.Load(directory);
        timer = new Timer(_ => Reload());
        watcher = new FileSystemWatcher(directory, PolicyLoader.FilePattern)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        watcher.Changed += OnChange;
        watcher.Created += OnChange;
        watcher.Deleted += OnChange;
        watcher.Renamed += OnChange;

        // A lost event (e.g. an overflowing buffer) may hide a change: reload to be sure.
        watcher.Error += (_, _) => timer.Change(debounce, Timeout.InfiniteTimeSpan);
        watcher.EnableRaisingEvents = true;
    }

    public event EventHandler<PolicyReloadedEventArgs>? Reloaded;

    public PolicySet Current => current;

    public PolicyValidationException? LastError => lastError;

    public void Dispose()
    {
        watcher.Dispose();
        timer.Dispose();
    }

    // Every event restarts the quiet period; the load runs once the files have settled.
    private void OnChange(object sender, FileSystemEventArgs e) => timer.Change(debounce, Timeout.InfiniteTimeSpan);

    private void Reload()
    {
        PolicyReloadedEventArgs outcome;
        lock (reloadLock)
        {
            try
            {
                current = PolicyLoader.Load(directory);
                lastError = null;
            }
            catch (PolicyValidationException e)
            {
                lastError = e;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A file still being written or replaced; the event that ends the write triggers another attempt.
                lastError = new PolicyValidationException(Path.GetFileName(directory), 0, $"the policy files could not be read: {e.Message}");
            }

            outcome = new PolicyReloadedEventArgs(current, lastError);
        }

        Reloaded?.Invoke(this, outcome);
    }
}
