using LogService.Server.Ingestion;
using Microsoft.Extensions.Options;

namespace LogService.Server.Writing;

/// <summary>The four ingestion formats, created once with the configured <see cref="IngestLimits"/>.</summary>
public sealed class IngestFormatSet
{
    /// <summary>Creates the formats.</summary>
    public IngestFormatSet(IOptions<IngestLimits> limits, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(limits);
        Limits = limits.Value;
        Native = IngestFormats.Native(Limits, clock);
        Clef = IngestFormats.Clef(Limits, clock);
        SerilogHttp = IngestFormats.SerilogHttp(Limits, clock);
        OtlpJson = IngestFormats.OtlpJson(Limits, clock);
    }

    /// <summary>The limits every format checks.</summary>
    public IngestLimits Limits { get; }

    /// <summary>Native batches.</summary>
    public IIngestFormat Native { get; }

    /// <summary>CLEF.</summary>
    public IIngestFormat Clef { get; }

    /// <summary>Serilog.Sinks.Http batches.</summary>
    public IIngestFormat SerilogHttp { get; }

    /// <summary>OTLP/HTTP JSON logs.</summary>
    public IIngestFormat OtlpJson { get; }
}
