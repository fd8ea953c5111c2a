using System.Threading.Channels;
using LogService.Core.Commands;
using LogService.Core.Replica;
using LogService.Replication;
using LogService.Replication.Tcp;
using Microsoft.Extensions.Options;

namespace LogService.Server.Hosting;

/// <summary>
/// <see cref="ICommandGateway"/> over a pool of <see cref="ServiceProxy"/> clients. A request is admitted when its
/// bytes fit the front end's budget in ordering (a write on its declared length, before its body is read: see
/// <see cref="CommandAdmission"/>) and a proxy (one invocation at a time) is free; one not admitted within the
/// admission timeout is refused unsubmitted, so overload is answered at once with Retry-After instead of by a backlog
/// at the replicas that outlives the writers' patience. All proxies share one authenticated connection per replica.
/// </summary>
internal sealed class CommandGateway : ICommandGateway, IAsyncDisposable
{
    private readonly ServiceProxy[] _proxies;
    private readonly Channel<ServiceProxy> _idle;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _admissionTimeout;
    private readonly TimeSpan _bodyTimeout;
    private readonly ByteBudget _budget;
    private readonly int _n;
    private readonly ReplicaKeySet _keys;

    public CommandGateway(ReplicaRuntime runtime, IOptions<ReplicaOptions> options)
    {
        var o = options.Value;
        _timeout = o.RequestTimeout;
        _admissionTimeout = o.AdmissionTimeout < o.RequestTimeout ? o.AdmissionTimeout : o.RequestTimeout;
        _bodyTimeout = o.AdmittedBodyTimeout;
        _budget = new ByteBudget(o.MaxBytesInOrdering);
        _n = runtime.Directory.N;
        _keys = runtime.Keys;
        var engine = new ReplicationOptions
        {
            ReplicaCount = runtime.Replication.ReplicaCount,
            ReplicaPublicKeys = runtime.Replication.ReplicaPublicKeys,
            RequestTimeout = runtime.Replication.RequestTimeout,
        };
        _proxies = TcpTransport.CreateClients(runtime.ClientTransport(o.ClientPoolSize)).Select(t => new ServiceProxy(engine, t)).ToArray();
        _idle = Channel.CreateBounded<ServiceProxy>(_proxies.Length);
        foreach (var proxy in _proxies)
        {
            _idle.Writer.TryWrite(proxy);
        }
    }

    public int Leader => _proxies[0].Leader;

    public ValueTask<CommandAdmission> AdmitAsync(long? declaredBytes, CancellationToken cancellationToken = default) =>
        CommandAdmission.AdmitAsync(_budget, declaredBytes, _admissionTimeout, _bodyTimeout, cancellationToken);

    public async Task<CommandQuorum> SubmitAsync(LogCommand command, int matching, CancellationToken cancellationToken = default)
    {
        using var admission = CommandAdmission.Unreserved(_budget, _admissionTimeout);
        return await InvokeAsync(LogCommandCodec.Encode(command), matching, readOnly: false, admission, cancellationToken).ConfigureAwait(false);
    }

    public Task<CommandQuorum> SubmitAsync(LogCommand command, int matching, CommandAdmission admission, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(admission);
        return InvokeAsync(LogCommandCodec.Encode(command), matching, readOnly: false, admission, cancellationToken);
    }

    public async Task<CommandQuorum> QueryAsync(ReadOnlyMemory<byte> query, int matching, CancellationToken cancellationToken = default)
    {
        using var admission = CommandAdmission.Unreserved(_budget, _admissionTimeout);
        return await InvokeAsync(query, matching, readOnly: true, admission, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _idle.Writer.TryComplete();
        foreach (var proxy in _proxies)
        {
            await proxy.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Invokes <paramref name="payload"/> once it is admitted; the room it holds is the caller's to hand back.</summary>
    private async Task<CommandQuorum> InvokeAsync(ReadOnlyMemory<byte> payload, int matching, bool readOnly, CommandAdmission admission, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(matching, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(matching, _n);
        await admission.SettleAsync(payload.Length, cancellationToken).ConfigureAwait(false);
        var proxy = await TakeProxyAsync(cancellationToken).ConfigureAwait(false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            var replies = await InvokeOnAsync(proxy, payload, matching, readOnly, deadline.Token).ConfigureAwait(false);
            var decoded = replies.Select(r => CommandReply.Decode(r.Payload)).ToArray();
            for (var i = 0; i < decoded.Length; i++)
            {
                // The agreed parts match, but a faulty replica can still name another replica or sign garbage; such a
                // reply must never reach a receipt. The writer retries with the same batch id and gets a clean quorum.
                if (decoded[i].ReplicaId != replies[i].Replica || !SignaturesValid(decoded[i]))
                {
                    throw new QuorumUnavailableException($"replica {replies[i].Replica} sent a reply with an invalid signature");
                }
            }

            return new CommandQuorum(decoded[0], decoded);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new QuorumUnavailableException($"no {matching} matching replies within {_timeout.TotalSeconds:0.#} s");
        }
        finally
        {
            _idle.Writer.TryWrite(proxy);
        }
    }

    private async Task<ServiceProxy> TakeProxyAsync(CancellationToken cancellationToken)
    {
        using var admission = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        admission.CancelAfter(_admissionTimeout);
        try
        {
            return await _idle.Reader.ReadAsync(admission.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ServiceOverloadedException($"every replication client stayed busy for {_admissionTimeout.TotalSeconds:0.#} s; the request was not submitted");
        }
        catch (ChannelClosedException ex)
        {
            throw new QuorumUnavailableException("the replica is shutting down", ex);
        }
    }

    private bool SignaturesValid(CommandReply reply)
    {
        if (reply.Signatures.Count != reply.Statements.Count)
        {
            return false;
        }

        for (var i = 0; i < reply.Statements.Count; i++)
        {
            if (!_keys.Verify(reply.Statements[i], reply.ReplicaId, reply.Signatures[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static Task<IReadOnlyList<ReplicaReply>> InvokeOnAsync(ServiceProxy proxy, ReadOnlyMemory<byte> payload, int matching, bool readOnly, CancellationToken cancellationToken) =>
        readOnly
            ? proxy.InvokeReadOnlyAsync(payload, matching, CommandReply.AgreedPart, cancellationToken)
            : proxy.InvokeOrderedAsync(payload, matching, CommandReply.AgreedPart, cancellationToken);
}
