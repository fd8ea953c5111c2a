using System.Text.Json.Nodes;
using LogService.Core.Commands;
using LogService.Core.Policies;
using LogService.Core.Replica;
using LogService.Server.Hosting;
using LogService.Storage;

namespace LogService.Server.Reading;

/// <summary>Certified heads (DESIGN §8): the latest one this replica stored, and a new one made on demand through the replicas.</summary>
internal sealed class CertifiedHeads(ILogStore store, ReadAccess access, IServiceProvider services)
{
    private static readonly TimeSpan CatchUpPatience = TimeSpan.FromSeconds(3);

    public IResult Latest(LogPrincipal caller, string tenant, string name)
    {
        var grant = access.Check(caller, PolicyAction.Read, tenant, name, "certified-head");
        if (!grant.Allowed)
        {
            return ReadProblems.Denied(grant.Decision);
        }

        if (store.GetHead(grant.StreamId) is null)
        {
            return ReadProblems.NotFound($"stream {grant.StreamId} does not exist");
        }

        if (store.GetLatestCertifiedHead(grant.StreamId) is not { } stored)
        {
            return ReadProblems.NotCertified($"stream {grant.StreamId} has no certified head yet");
        }

        access.Recorded(caller, grant, "certified-head", $"certified head at {stored.Sequence}");
        return TypedResults.Json(Json(HeadCertificate.FromStored(stored)));
    }

    /// <summary>Orders a certification of the stream's head, collects 2f+1 signatures, and has the replicas store the certificate.</summary>
    public async Task<IResult> CertifyAsync(LogPrincipal caller, string tenant, string name, CancellationToken cancellationToken)
    {
        var grant = access.Check(caller, PolicyAction.Read, tenant, name, "certify");
        if (!grant.Allowed)
        {
            return ReadProblems.Denied(grant.Decision);
        }

        if (services.GetService<ICommandGateway>() is not { } gateway || services.GetService<ReplicaRuntime>() is not { } runtime)
        {
            return ReadProblems.NotCertified("this host runs no replication group to certify with");
        }

        try
        {
            var quorum = runtime.Keys.CertificateQuorum;
            var signed = await gateway.SubmitAsync(new CertifyHeadsCommand([grant.StreamId]), quorum, cancellationToken);
            if (signed.Agreed.Statement is not { } statement)
            {
                return ReadProblems.NotFound(signed.Agreed.Reason);
            }

            if (HeadCertificate.Assemble(statement, signed.Replies, runtime.Keys) is not { } certificate)
            {
                return ReadProblems.NotCertified("fewer than 2f+1 replicas signed the head validly");
            }

            await gateway.SubmitAsync(new RecordCertificateCommand(certificate), runtime.Keys.ReceiptQuorum, cancellationToken);

            // f+1 replicas recorded it, not necessarily this one. A caller certifies in order to read against the new
            // head next (an entry's proof, an export), from this replica: answer once this store holds it too.
            await LocalCatchUp.WaitAsync(() => store.GetLatestCertifiedHead(grant.StreamId)?.Sequence >= statement.LastSequence, CatchUpPatience, cancellationToken);
            access.Recorded(caller, grant, "certify", $"certified head at {statement.LastSequence}");
            return TypedResults.Json(Json(certificate));
        }
        catch (QuorumUnavailableException ex)
        {
            return ReadProblems.NotCertified(ex.Message);
        }
    }

    /// <summary>The shape of a receipt without its outcome.</summary>
    private static JsonObject Json(HeadCertificate certificate)
    {
        var statement = certificate.Statement;
        return new JsonObject
        {
            ["streamId"] = statement.StreamId,
            ["statement"] = new JsonObject
            {
                ["streamId"] = statement.StreamId,
                ["firstSequence"] = statement.FirstSequence,
                ["lastSequence"] = statement.LastSequence,
                ["yHead"] = Convert.ToBase64String(statement.YHead),
                ["merkleRoot"] = Convert.ToBase64String(statement.MerkleRoot),
                ["instance"] = statement.Instance,
            },
            ["statementBytes"] = Convert.ToBase64String(statement.ToSignedBytes()),
            ["signatures"] = new JsonArray([.. certificate.Signatures.Select(s => (JsonNode)new JsonObject { ["replica"] = s.Replica, ["signature"] = Convert.ToBase64String(s.Signature) })]),
        };
    }
}
