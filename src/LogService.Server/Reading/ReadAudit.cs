using System.Collections.Immutable;
using System.Globalization;
using LogService.Core.Entries;

namespace LogService.Server.Reading;

/// <summary>One read or denial, as it is appended to the tenant's audit stream <c>{tenant}/_audit</c>.</summary>
/// <param name="Tenant">The tenant whose audit stream records it (the owner of the stream read).</param>
/// <param name="Caller">Who asked: the caller's tenant and user.</param>
/// <param name="Operation">What was asked, e.g. <c>query</c>, <c>entry</c>, <c>keys</c>, <c>escrow</c>.</param>
/// <param name="Target">The stream(s) concerned.</param>
/// <param name="Allowed">False for a denial.</param>
/// <param name="Rule">The policy rule that decided, with its file.</param>
/// <param name="Detail">What was returned or why it was refused.</param>
/// <param name="TimestampMicros">When, by this replica's clock (Unix microseconds).</param>
public sealed record ReadAuditRecord(string Tenant, string Caller, string Operation, string Target, bool Allowed, string Rule, string Detail, long TimestampMicros)
{
    /// <summary>The record as an entry draft: a Warning for a denial, Information for a read.</summary>
    public EntryDraft ToDraft() => new()
    {
        Level = Allowed ? EntryLevel.Information : EntryLevel.Warning,
        EventType = Allowed ? 0x52454144u : 0x44454E59u, // "READ" / "DENY"
        Body = new EntryBody
        {
            TimestampUnixMicros = TimestampMicros,
            MessageTemplate = "{Caller} {Operation} {Target}: {Outcome} by {Rule}",
            RenderedMessage = string.Create(CultureInfo.InvariantCulture, $"{Caller} {Operation} {Target}: {(Allowed ? "allowed" : "denied")} by {Rule}"),
            Properties =
            [
                new LogProperty("Caller", LogValue.String(Caller)),
                new LogProperty("Operation", LogValue.String(Operation)),
                new LogProperty("Target", LogValue.String(Target)),
                new LogProperty("Outcome", LogValue.String(Allowed ? "allowed" : "denied")),
                new LogProperty("Rule", LogValue.String(Rule)),
                new LogProperty("Detail", LogValue.String(Detail)),
            ],
            Renderings = ImmutableArray<string>.Empty,
        },
    };
}

/// <summary>Appends audit records to <c>{tenant}/_audit</c> through the replicated log (the host's command gateway).</summary>
public interface IReadAuditWriter
{
    /// <summary>Appends <paramref name="records"/>, all of <paramref name="tenant"/>, as one batch.</summary>
    /// <param name="tenant">The tenant whose audit stream receives them.</param>
    /// <param name="records">The records, oldest first.</param>
    /// <param name="cancellationToken">Stops waiting for the write.</param>
    Task AppendAsync(string tenant, IReadOnlyList<ReadAuditRecord> records, CancellationToken cancellationToken);
}
