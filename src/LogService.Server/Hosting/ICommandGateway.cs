using LogService.Core.Commands;
using LogService.Core.Replica;

namespace LogService.Server.Hosting;

/// <summary>
/// The front end's way into the replicated Log Core: orders a command (or runs a read-only query) and returns the
/// replies of replicas that agree on <see cref="CommandReply.AgreedPart"/>. Protocol logic stays behind it; endpoints
/// only turn quorums into HTTP answers.
/// </summary>
public interface ICommandGateway
{
    /// <summary>Orders <paramref name="command"/> and waits for <paramref name="matching"/> replies of distinct replicas that agree.</summary>
    /// <param name="command">The command.</param>
    /// <param name="matching">How many agreeing replies to collect: f+1 for a receipt, 2f+1 for a certified head.</param>
    /// <param name="cancellationToken">Aborts the wait (the command may still execute).</param>
    /// <returns>The agreeing replies.</returns>
    /// <exception cref="QuorumUnavailableException">No quorum within the request timeout.</exception>
    Task<CommandQuorum> SubmitAsync(LogCommand command, int matching, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes room in ordering for a write before its body is read, on the length the request declares (its
    /// Content-Length), waiting in line up to the admission timeout. A null length (a chunked body) takes nothing now:
    /// the command then queues for its own size when it is submitted. Dispose the admission on every way out.
    /// </summary>
    /// <param name="declaredBytes">The request's declared body length, or null when it declares none.</param>
    /// <param name="cancellationToken">Aborts the wait; nothing is held then.</param>
    /// <returns>The room held, to pass to <see cref="SubmitAsync(LogCommand, int, CommandAdmission, CancellationToken)"/>.</returns>
    /// <exception cref="ServiceOverloadedException">No room within the admission timeout; nothing is held, and the body need not be read.</exception>
    ValueTask<CommandAdmission> AdmitAsync(long? declaredBytes, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="SubmitAsync(LogCommand, int, CancellationToken)"/> for a command admitted beforehand: the room
    /// <paramref name="admission"/> holds is first settled to the encoded command's size.
    /// </summary>
    /// <param name="command">The command.</param>
    /// <param name="matching">How many agreeing replies to collect.</param>
    /// <param name="admission">The room taken by <see cref="AdmitAsync"/>; still the caller's to dispose.</param>
    /// <param name="cancellationToken">Aborts the wait (the command may still execute).</param>
    /// <returns>The agreeing replies.</returns>
    /// <exception cref="QuorumUnavailableException">No quorum within the request timeout.</exception>
    /// <exception cref="ServiceOverloadedException">No room or no free replication client within the admission timeout; nothing was submitted.</exception>
    Task<CommandQuorum> SubmitAsync(LogCommand command, int matching, CommandAdmission admission, CancellationToken cancellationToken = default);

    /// <summary>Runs a read-only query on every replica without ordering and waits for <paramref name="matching"/> agreeing replies.</summary>
    /// <param name="query">The query bytes the Log Core's read-only path understands.</param>
    /// <param name="matching">How many agreeing replies to collect.</param>
    /// <param name="cancellationToken">Aborts the wait.</param>
    /// <returns>The agreeing replies.</returns>
    /// <exception cref="QuorumUnavailableException">No quorum within the request timeout.</exception>
    Task<CommandQuorum> QueryAsync(ReadOnlyMemory<byte> query, int matching, CancellationToken cancellationToken = default);

    /// <summary>The leader as the front end's replication clients last heard it from f+1 replicas.</summary>
    int Leader { get; }
}

/// <summary>Replies of distinct replicas that agree on everything but their replica id and signature.</summary>
/// <param name="Agreed">One of the replies (its outcome, reason and statement are everyone's).</param>
/// <param name="Replies">Every agreeing reply, one per replica, with that replica's signature.</param>
public sealed record CommandQuorum(CommandReply Agreed, IReadOnlyList<CommandReply> Replies);

/// <summary>The replicas did not produce the requested quorum in time: the caller may retry (with the same batch id).</summary>
public class QuorumUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public QuorumUnavailableException()
        : base("no quorum of replicas answered in time")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public QuorumUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public QuorumUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The front end had no room to take the request into ordering within its admission timeout, so nothing was
/// submitted: retrying later is safe and needs no batch id.
/// </summary>
public sealed class ServiceOverloadedException : QuorumUnavailableException
{
    /// <summary>Creates the exception.</summary>
    public ServiceOverloadedException()
        : base("the front end is at capacity")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ServiceOverloadedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public ServiceOverloadedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
