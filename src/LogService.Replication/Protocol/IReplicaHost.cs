namespace LogService.Replication.Protocol;

/// <summary>
/// What the deterministic protocol core needs from its runtime: a clock, randomness and a way to send. The real
/// runtime uses the wall clock and a transport; the simulator uses virtual time and a seeded network.
/// </summary>
internal interface IReplicaHost
{
    /// <summary>Milliseconds since the Unix epoch.</summary>
    long Now { get; }

    /// <summary>A random value for batch nonces.</summary>
    long NextNonce();

    /// <summary>Queues an encoded message; the runtime transmits it after the WAL is flushed.</summary>
    void Send(int to, ReadOnlySpan<byte> message);

    /// <summary>
    /// Whether decided batches run through <see cref="ExecuteInOrder"/> on a thread of their own, so the protocol keeps
    /// ordering the next instances while one executes. When false (the simulator) they run inline, as they are decided.
    /// </summary>
    bool ExecutesInBackground => false;

    /// <summary>
    /// Runs <paramref name="work"/> off the protocol thread, strictly in submission order, then <paramref name="then"/>
    /// with its result back on the protocol thread (as an input of its own). An exception from <paramref name="work"/>
    /// is rethrown on the protocol thread instead.
    /// </summary>
    void ExecuteInOrder(Func<IReadOnlyList<byte[]>> work, Action<IReadOnlyList<byte[]>> then) => then(work());

    /// <summary>Blocks until everything given to <see cref="ExecuteInOrder"/> has run, including its continuation.</summary>
    void WaitForExecutions()
    {
    }
}
