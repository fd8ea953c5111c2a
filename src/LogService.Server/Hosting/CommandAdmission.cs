namespace LogService.Server.Hosting;

/// <summary>
/// Room in ordering held for one write: taken on the length its request declares before a byte of the body is read,
/// and settled to the encoded command's size when the command is submitted. Disposing hands back whatever it holds,
/// so every way out of a request (an answer, a refusal, a client that went away, an exception) returns the room.
/// </summary>
/// <remarks>
/// Taking the room first is what makes a refusal cheap: under overload most writes are refused, and reading, parsing
/// and encoding each of them before saying no cost more than the writes that got through. A body of unknown length
/// (chunked) cannot be admitted on it; such a write holds nothing while its body arrives and queues for its
/// command's size at submission, as every command of the front end's own does.
/// </remarks>
public sealed class CommandAdmission : IDisposable
{
    private readonly ByteBudget _budget;
    private readonly TimeSpan _admissionTimeout;
    private readonly CancellationTokenSource? _bodyDeadline;
    private long _charge;

    private CommandAdmission(ByteBudget budget, TimeSpan admissionTimeout, long charge, TimeSpan bodyTimeout)
    {
        _budget = budget;
        _admissionTimeout = admissionTimeout;
        _charge = charge;
        BodyTimeout = bodyTimeout;
        if (charge > 0)
        {
            _bodyDeadline = new CancellationTokenSource(bodyTimeout);
        }
    }

    /// <summary>Bytes held in the front end's budget: the declared length until submission, then the command's size.</summary>
    public long Held => Interlocked.Read(ref _charge);

    /// <summary>
    /// Cancelled when the body of a write admitted on its declared length has not arrived within
    /// <see cref="BodyTimeout"/>: its room is held while the body arrives, and a writer trickling its body must not
    /// keep everyone else out. Never cancelled for a write that holds nothing yet.
    /// </summary>
    public CancellationToken BodyDeadline => _bodyDeadline?.Token ?? CancellationToken.None;

    /// <summary>How long the body of an admitted write may take to arrive (<see cref="ReplicaOptions.AdmittedBodyTimeout"/>).</summary>
    public TimeSpan BodyTimeout { get; }

    /// <summary>Hands back what this admission holds; later calls do nothing.</summary>
    public void Dispose()
    {
        var charge = Interlocked.Exchange(ref _charge, 0);
        if (charge > 0)
        {
            _budget.Release(charge);
        }

        _bodyDeadline?.Dispose();
    }

    /// <summary>
    /// Holds <paramref name="declaredBytes"/> (waiting in line up to the admission timeout), or nothing when the length
    /// is unknown.
    /// </summary>
    /// <exception cref="ServiceOverloadedException">No room within the admission timeout; nothing is held.</exception>
    internal static async ValueTask<CommandAdmission> AdmitAsync(
        ByteBudget budget, long? declaredBytes, TimeSpan admissionTimeout, TimeSpan bodyTimeout, CancellationToken cancellationToken)
    {
        var charge = declaredBytes is { } bytes
            ? await AcquireAsync(budget, bytes, admissionTimeout, "the request was not submitted and its body not read", cancellationToken).ConfigureAwait(false)
            : 0;
        return new CommandAdmission(budget, admissionTimeout, charge, bodyTimeout);
    }

    /// <summary>An admission that holds nothing: the command queues for its size when it is submitted.</summary>
    internal static CommandAdmission Unreserved(ByteBudget budget, TimeSpan admissionTimeout) =>
        new(budget, admissionTimeout, 0, Timeout.InfiniteTimeSpan);

    /// <summary>
    /// Makes what is held match the command about to be submitted: a held reservation is resized at once (see
    /// <see cref="ByteBudget.Resize"/>), an empty admission waits in line for the command's size.
    /// </summary>
    /// <exception cref="ServiceOverloadedException">Nothing was held and no room came within the admission timeout.</exception>
    internal async ValueTask SettleAsync(long commandBytes, CancellationToken cancellationToken)
    {
        var held = Held;
        if (held > 0)
        {
            Interlocked.Exchange(ref _charge, _budget.Resize(held, commandBytes));
            return;
        }

        var charge = await AcquireAsync(_budget, commandBytes, _admissionTimeout, "the request was not submitted", cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _charge, charge);
    }

    private static async ValueTask<long> AcquireAsync(ByteBudget budget, long bytes, TimeSpan timeout, string outcome, CancellationToken cancellationToken)
    {
        using var admission = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        admission.CancelAfter(timeout);
        try
        {
            return await budget.AcquireAsync(bytes, admission.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ServiceOverloadedException(
                $"no room for {bytes:N0} more bytes in ordering within {timeout.TotalSeconds:0.###} s; {outcome}");
        }
    }
}
